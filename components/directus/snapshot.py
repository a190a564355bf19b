"""Whole-kind listings shared by every ``read`` of one provider process: one request per object kind.

A refresh reads every resource, each in its own gRPC call. Reading object by object would send one request per
resource (several per member); instead the first read of a kind lists all objects of that kind once, and the
other reads are answered from that listing. Any write through the same client drops every listing, so reads
after a change see it. The provider process lives for one Pulumi operation, so nothing outlives it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from components.directus.client import DirectusClient

Row = dict[str, Any]


class Snapshot:
    def __init__(self, client: DirectusClient) -> None:
        self._client = client
        self._lists: dict[tuple[str, tuple[str, ...]], tuple[list[Row], dict[str, Row]]] = {}
        # One lock: concurrent reads of a kind wait for the one listing instead of each sending their own.
        self._lock = threading.Lock()
        client.add_write_listener(self.clear)

    def _listing(self, path: str, fields: Sequence[str]) -> tuple[list[Row], dict[str, Row]]:
        key = (path, tuple(fields))
        with self._lock:
            cached = self._lists.get(key)
            if cached is None:
                rows = self._client.list_objects(path, fields=fields)
                cached = (rows, {str(row["id"]): row for row in rows if row.get("id") is not None})
                self._lists[key] = cached
            return cached

    def rows(self, path: str, fields: Sequence[str]) -> list[Row]:
        """Every object of the kind at ``path`` (with ``fields``), listed once per process until a write."""
        return self._listing(path, fields)[0]

    def by_id(self, path: str, id_: str | int, fields: Sequence[str]) -> Row | None:
        """One object from the listing, or ``None`` when it does not exist (deleted out of band)."""
        return self._listing(path, fields)[1].get(str(id_))

    def clear(self) -> None:
        with self._lock:
            self._lists.clear()

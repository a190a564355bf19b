"""Answers to GET requests kept until something says they are old: the live guard's per-object re-evaluation.

``mcp-access watch`` runs ``drift``'s whole check after each change event. Without this cache every check would
list every kind again and probe every member's token (hundreds of requests per change at hundreds of members).
With it, a check re-sends only the requests whose answers an event made old: the listing of the collection that
changed, and the token probe of the user it touched. Which answers an event makes old is the watch's rule
(:mod:`components.ops.watch.invalidation`); this module only keeps answers and drops the ones a rule names.

- A listing of some fields is answered from a kept listing of more fields of the same objects (same path and
  filter), cut down to the fields asked: two readers of one collection cost one request.
- An answer whose request was still under way when a rule dropped it is not kept (it may predate the change).
- Answers are copied on the way in and out, so no caller can change what another one reads.
- Errors are answers too (a 403, a 404 of a route the server lacks), except the client's own 401 (a revoked
  token must fail every check) and Directus being unreachable; another token's 401 (a member token's probe) is
  kept. Tokens are kept as their hash only. Nothing here is written to disk.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from components.directus.errors import DirectusError

JSON = Any
Params = tuple[tuple[str, str], ...]
Key = tuple[str, Params, str]


@dataclass
class Entry:
    """What a rule sees of one request: its path, the fields it asked for, and whose user it answered for."""

    path: str
    fields: frozenset[str]
    #: ``/users/me``: the id of the user the token belongs to, ``None`` when unknown (an error, or under way).
    owner: str | None = None
    #: Set by a rule while the request is under way: its answer is not kept.
    dropped: bool = False


Rule = Callable[[Entry], bool]


@dataclass
class _Kept:
    entry: Entry
    others: Params  # the parameters but ``fields``: what a narrower listing must share to be answered from this
    data: JSON = None
    error: DirectusError | None = None


@dataclass
class Pending:
    """A request under way: :meth:`ReadCache.keep` keeps its answer unless a rule dropped it meanwhile."""

    key: Key
    entry: Entry
    others: Params


def _fields(params: Mapping[str, str] | None) -> frozenset[str]:
    return frozenset(name for name in (params or {}).get("fields", "").split(",") if name)


def _others(params: Mapping[str, str] | None) -> Params:
    return tuple(sorted((k, v) for k, v in (params or {}).items() if k != "fields"))


def _cut(data: JSON, fields: frozenset[str]) -> JSON:
    if isinstance(data, list):
        return [{name: row.get(name) for name in fields} for row in data]
    return {name: data.get(name) for name in fields}


def _narrows(fields: frozenset[str], kept: _Kept) -> bool:
    """Whether a listing of ``fields`` can be cut from ``kept``: plain fields, all of them in it, rows of objects."""
    if not fields or kept.error is not None or any("." in f or "*" in f for f in fields):
        return False
    data = kept.data
    rows = data if isinstance(data, list) else [data]
    return fields <= kept.entry.fields and all(isinstance(row, Mapping) for row in rows)


@dataclass
class ReadCache:
    hits: int = 0
    _kept: dict[Key, _Kept] = field(default_factory=dict)
    _pending: list[Pending] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def key(path: str, params: Mapping[str, str] | None, token: str | None) -> Key:
        """The request's identity (fields in any order are one request); another token is kept as its hash."""
        who = hashlib.sha256(token.encode()).hexdigest() if token is not None else ""
        fields = ",".join(sorted(_fields(params)))
        return (path, (*_others(params), ("fields", fields)), who)

    def answer(self, path: str, params: Mapping[str, str] | None, token: str | None) -> tuple[bool, JSON]:
        """``(True, data)`` for a kept answer (a copy; a kept error is raised again), ``(False, None)`` otherwise."""
        key = self.key(path, params, token)
        with self._lock:
            kept = self._kept.get(key)
            data = None if kept is None else kept.data
            if kept is None:
                wanted, others = _fields(params), _others(params)
                for other_key, other in self._kept.items():
                    same_objects = other_key[0] == path and other_key[2] == key[2] and other.others == others
                    if same_objects and _narrows(wanted, other):
                        kept, data = other, _cut(other.data, wanted)
                        break
            if kept is None:
                return False, None
            self.hits += 1
        if kept.error is not None:
            error = kept.error
            raise type(error)(
                method=error.method, path=error.path, status=error.status, code=error.code, message=error.message
            )
        return True, copy.deepcopy(data)

    def begin(self, path: str, params: Mapping[str, str] | None, token: str | None) -> Pending:
        pending = Pending(self.key(path, params, token), Entry(path, _fields(params)), _others(params))
        with self._lock:
            self._pending.append(pending)
        return pending

    def keep(self, pending: Pending, data: JSON = None, error: DirectusError | None = None) -> None:
        """Keep the answer (or the error) of a finished request, unless a rule dropped it while it was under way."""
        with self._lock:
            self._untrack(pending)
            if pending.entry.dropped:
                return
            if isinstance(data, Mapping) and data.get("id") is not None and error is None:
                pending.entry.owner = str(data["id"])
            self._kept[pending.key] = _Kept(pending.entry, pending.others, copy.deepcopy(data), error)

    def forget(self, pending: Pending) -> None:
        """A request that ended with nothing to keep: stop tracking it."""
        with self._lock:
            self._untrack(pending)

    def _untrack(self, pending: Pending) -> None:
        for index, under_way in enumerate(self._pending):
            if under_way is pending:
                del self._pending[index]
                return

    def drop(self, rule: Rule) -> int:
        """Drop every kept answer the rule names, and mark the requests under way it names; the count dropped."""
        with self._lock:
            for pending in self._pending:
                if rule(pending.entry):
                    pending.entry.dropped = True
            old = [key for key, kept in self._kept.items() if rule(kept.entry)]
            for key in old:
                del self._kept[key]
            return len(old)

    def clear(self) -> None:
        """Drop everything (a poll, a resync, a write): the next check reads all of it again."""
        self.drop(lambda _entry: True)

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)

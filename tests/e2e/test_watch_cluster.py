"""The watch on a cluster (profile ``postgres-redis``: two instances on one database, sharing Redis): a change made
through instance B reaches a subscription on instance A, because Directus publishes its WebSocket events on its
message bus, which is Redis when ``REDIS`` is set (``@directus/api``: ``bus/lib/use-bus.js``)."""

from __future__ import annotations

import time

import pytest

from components.directus.client import DirectusClient
from components.localdev.server import DirectusInstance
from components.ops.watch.socket import DirectusEvents, Event

pytestmark = [pytest.mark.core, pytest.mark.cluster]


def test_a_change_through_instance_b_is_pushed_to_a_subscriber_on_instance_a(directus: DirectusInstance) -> None:
    first, second = directus.urls[0], directus.urls[1]
    events = DirectusEvents(first, directus.admin_token)
    events.open()
    try:
        with DirectusClient(second, directus.admin_token) as through_b:
            role = through_b.create("/roles", {"name": "made through instance B"})
            try:
                found: Event | None = None
                deadline = time.monotonic() + 10
                while found is None and time.monotonic() < deadline:
                    event = events.next_event(timeout=0.5)
                    if event is not None and event.collection == "directus_roles":
                        found = event
                assert found is not None
                assert (found.collection, found.event, found.count) == ("directus_roles", "create", 1)
                assert found.keys == frozenset({str(role["id"])})  # the id the watch drops answers by
            finally:
                through_b.delete("/roles", role["id"])
    finally:
        events.close()

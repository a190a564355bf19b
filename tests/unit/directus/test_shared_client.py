"""The provisioning client is shared by the process: one caller closing it must not break the next one."""

from __future__ import annotations

from components.directus.provisioning import Connection, client_for


def test_a_closed_shared_client_is_built_again() -> None:
    connection = Connection(url="http://127.0.0.1:9", token="t")
    first = client_for(connection)
    assert client_for(connection) is first
    first.close()
    again = client_for(connection)
    assert again is not first and not again.closed

"""Providers configured as the engine does, talking to a fake Directus (:mod:`tests.helpers.fake_directus`).

Only the HTTP transport is swapped: ``configure`` reads the stack config, and the real ``client_for`` /
``snapshot_for`` of :mod:`components.directus.provisioning` build and cache the client and the shared listings,
so the provisioning token the fake checks is the one the stack config carries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from components.directus import provisioning as connection
from components.directus.client import REQUEST_LOG_ENV, DirectusClient
from components.names import PROJECT_NAME, TOKEN_KEY, URL_KEY
from tests.helpers.fake_directus import FakeDirectus
from tests.helpers.providers import Configure, P


@pytest.fixture
def fake() -> FakeDirectus:
    return FakeDirectus()


@pytest.fixture
def configured(fake: FakeDirectus, monkeypatch: pytest.MonkeyPatch) -> Iterator[Configure]:
    """``configured(UserProvider)``: a provider configured from stack config whose requests reach ``fake``."""
    monkeypatch.delenv(REQUEST_LOG_ENV, raising=False)
    monkeypatch.setattr(connection, "_clients", {})
    monkeypatch.setattr(connection, "_snapshots", {})

    def through_fake(base_url: str, token: str, **kwargs: Any) -> DirectusClient:
        return DirectusClient(base_url, token, transport=fake.transport, sleep=lambda _seconds: None, **kwargs)

    monkeypatch.setattr(connection, "DirectusClient", through_fake)

    def build(cls: type[P], *, token: str | None = None, config: dict[str, str] | None = None) -> P:
        provider = cls()
        raw: dict[str, Any] = {URL_KEY: fake.url, TOKEN_KEY: token or fake.admin_token, **(config or {})}
        provider.configure(ConfigureRequest(Config(raw_config=raw, project_name=PROJECT_NAME)))
        return provider

    yield build
    for client in connection._clients.values():
        client.close()


@pytest.fixture
def new_process(configured: Configure) -> Callable[[], None]:
    """Start over as a new provider process would (the next Pulumi operation): no cached client or listing.

    Changes made "by hand" in the fake bypass the provider's client, so its shared listings do not see them
    until the next operation: call this between such a change and the ``read`` that should see it.
    """

    def restart() -> None:
        for client in connection._clients.values():
            client.close()
        connection._clients.clear()
        connection._snapshots.clear()

    return restart

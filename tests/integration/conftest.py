from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from components.directus.provisioning import TOKEN_KEY, URL_KEY
from components.localdev.server import DirectusInstance
from components.providers.base import DirectusProvider

P = TypeVar("P", bound=DirectusProvider)


@pytest.fixture
def configured(directus: DirectusInstance) -> Callable[[type[P]], P]:
    """Build a provider and configure it the way the engine does: from stack config."""

    def build(cls: type[P]) -> P:
        provider = cls()
        raw: dict[str, Any] = {URL_KEY: directus.url, TOKEN_KEY: directus.admin_token}
        provider.configure(ConfigureRequest(Config(raw_config=raw, project_name="directus-mcp-access")))
        return provider

    return build

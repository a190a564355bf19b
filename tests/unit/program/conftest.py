"""Fixtures for the program's unit tests: a roster, and ``build`` run under Pulumi mocks (see tests/helpers)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from typing import Any

import pulumi.runtime
import pulumi.runtime.resource as sdk_resource
import pytest
from pulumi.runtime.config import CONFIG

from components.directus.version import ServerInfo, parse_version
from components.model.role_specs import stack_role_specs
from components.model.role_templates import available_templates
from components.model.stack_config import parse_config
from components.names import CONFIG_NAMESPACE, TOKEN_KEY
from components.program import collections_check, entry
from tests.helpers.program import LIVE_COLLECTIONS, STACK
from tests.helpers.pulumi_mocks import Run, run_program


@pytest.fixture
def roster() -> dict[str, Any]:
    """Stack config as in ``Pulumi.<stack>.yaml``: john and a disabled bob on content, sarah on analysis."""
    return {
        "directusUrl": "https://cms.example.com/",
        "members": [
            {"name": "john", "email": "john@example.com", "template": "content"},
            {
                "name": "sarah",
                "email": "Sarah.Lee@example.org",
                "template": "analysis",
                "firstName": "Sarah",
                "lastName": "Lee",
                "rotateAfterDays": 30,
            },
            {"name": "bob", "email": "bob@example.com", "template": "content", "enabled": False},
        ],
        "templates": {"content": {"collections": ["articles"]}, "analysis": {"collections": ["articles"]}},
        "ipAllowlist": ["10.0.0.0/8", "192.0.2.7"],
        "rotationDays": 60,
    }


@pytest.fixture
def declare() -> Callable[..., Run]:
    """``declare(raw, stack=...)``: validate ``raw`` as the program does, then run ``build`` under mocks."""

    def declare(raw: dict[str, Any], stack: str = STACK) -> Run:
        config = parse_config(raw, templates=available_templates())
        specs = stack_role_specs(config, stack)
        return run_program(lambda: entry.build(config, specs, stack), stack=stack)

    return declare


@pytest.fixture
def declared(declare: Callable[..., Run], roster: dict[str, Any]) -> Run:
    return declare(roster)


@pytest.fixture
def stack_config(
    monkeypatch: pytest.MonkeyPatch, unwrapped_stack_traces: Callable[[], Any]
) -> Iterator[Callable[[dict[str, Any]], None]]:
    """``stack_config(raw)`` sets the Pulumi config that ``main()`` reads.

    No Directus: the live schema check's one listing (and the client it would use) are replaced, and it sees
    :data:`LIVE_COLLECTIONS`; the server reports version 12.4.0. What ``main()`` installs (its stack-trace
    wrapper) is undone after the test.
    """
    saved = dict(CONFIG.get())
    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    monkeypatch.setattr(entry, "client_for", lambda connection: object())
    monkeypatch.setattr(collections_check, "live_collections", lambda client: LIVE_COLLECTIONS)
    monkeypatch.setattr(entry, "server_info", lambda client: ServerInfo(parse_version("12.4.0")))

    def set_config(raw: dict[str, Any]) -> None:
        values = {f"{CONFIG_NAMESPACE}:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}
        pulumi.runtime.set_all_config({**values, TOKEN_KEY: "provisioning-token-for-tests"})

    yield set_config
    pulumi.runtime.set_all_config(saved)


@pytest.fixture
def unwrapped_stack_traces(monkeypatch: pytest.MonkeyPatch) -> Callable[[], Any]:
    """The SDK's own ``_get_stack_trace`` for this test, even if an earlier test in this process wrapped it."""
    current = sdk_resource._get_stack_trace
    while getattr(current, "declaration_frames_only", False):
        current = inspect.getclosurevars(current).nonlocals["original"]
    monkeypatch.setattr(sdk_resource, "_get_stack_trace", current)
    return current

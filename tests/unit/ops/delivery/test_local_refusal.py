"""``local --show-token`` on a ``requireSealed`` stack: refused before ``up`` runs (the e2e suite covers the rest;
``local`` itself needs the shared port 8055, so its wiring is checked here with fakes)."""

from __future__ import annotations

from contextlib import nullcontext
from types import SimpleNamespace
from typing import Any

import pytest

from components import cli
from components.model.stack_config import parse_config
from components.ops.delivery import hooks


def test_local_show_token_is_refused_before_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = parse_config(
        {"directusUrl": "http://127.0.0.1:1", "delivery": {"requireSealed": True}}, templates=["content"]
    )
    monkeypatch.setattr(
        cli.local_stack, "ensure_running", lambda _say, **_kwargs: SimpleNamespace(url="u", admin_token="t")
    )
    monkeypatch.setattr(cli, "DirectusClient", lambda *_args: nullcontext(None))
    monkeypatch.setattr(cli, "ensure_demo_collections", lambda _client: [])
    monkeypatch.setattr(cli, "open_stack", lambda *_args, **_kwargs: SimpleNamespace(name="local"))
    monkeypatch.setattr(hooks, "stack_settings", lambda _stack: (config, {}))

    def no_up(*_args: Any, **_kwargs: Any) -> None:
        pytest.fail("up ran although the token may not be shown")

    monkeypatch.setattr(cli, "apply", no_up)  # the one apply path (components.ops.apply)
    assert cli.main(["local", "--show-token"]) == 2
    assert "stack 'local' has delivery.requireSealed: true: `local --show-token` would show a token" in (
        capsys.readouterr().err
    )

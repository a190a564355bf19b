"""`mcp-access local` on a taken port says who holds it before Directus tries; `--port` moves the local stack."""

from __future__ import annotations

import os
import socket

import pytest

from components.cli import build_parser
from components.engine.workspace import engine_env
from components.localdev.local_stack import check_port
from components.localdev.server import LocalDirectusError
from components.names import PROJECT_ROOT
from components.providers.connection import LOCAL_URL_ENV, connection_from


def test_a_taken_port_names_its_holder_and_the_way_out() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        with pytest.raises(LocalDirectusError) as caught:
            check_port(port)
    text = str(caught.value)
    assert text.startswith(f"port {port} is taken by pid {os.getpid()} (")
    assert "`mcp-access local --port N` (make local PORT=N)" in text
    check_port(port)  # released: free again


def test_port_flag_and_makefile_pass_through() -> None:
    assert build_parser().parse_args(["local", "--port", "8066"]).port == 8066
    with pytest.raises(SystemExit):
        build_parser().parse_args(["local", "--port", "http"])
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "mcp-access local $(if $(PORT),--port $(PORT))" in makefile


def test_only_the_local_stack_follows_the_running_local_directus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LOCAL_URL_ENV, "http://127.0.0.1:8066")
    config = {"directus-mcp-access:directusUrl": "http://127.0.0.1:8055", "directus-mcp-access:provisioningToken": "t"}
    assert connection_from(config.get).url == "http://127.0.0.1:8066"
    env = engine_env("staging", PROJECT_ROOT, None, {LOCAL_URL_ENV: "http://127.0.0.1:8066"})
    assert env[LOCAL_URL_ENV] == ""  # a non-local stack never takes the local Directus's address
    assert engine_env("local", PROJECT_ROOT, None, {LOCAL_URL_ENV: "http://x:1"})[LOCAL_URL_ENV] == "http://x:1"
    monkeypatch.setenv(LOCAL_URL_ENV, "")
    assert connection_from(config.get).url == "http://127.0.0.1:8055"

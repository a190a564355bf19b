"""`mcp-access local --port N` (a second checkout while 8055 is taken): a taken port is named with its holder before
Directus starts; on a free one the local stack, whose file says 8055, follows the Directus it started there."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.cli import main
from components.localdev import local_stack, server
from components.names import PROJECT_ROOT
from tests.helpers.directus import require


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A checkout of its own: the local stack's file (directusUrl on 8055), its state and local Directus in tmp."""
    require(server.directus_cli().exists(), "Directus is not installed: run tools/bootstrap.sh")
    folder = tmp_path / "checkout"
    folder.mkdir()
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", folder)
    shutil.copytree(PROJECT_ROOT / "stacks", folder / "stacks")
    monkeypatch.setattr(local_stack, "LOCAL_DATA_DIR", tmp_path / "local-directus")
    for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "DIRECTUS_PROVISIONING_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    yield folder
    instance = server.running_instance(tmp_path / "local-directus")
    if instance is not None:
        server.stop(instance)


def test_local_on_another_port_names_a_taken_one_and_the_local_stack_follows_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = ("--repo", str(project))
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        taken = held.getsockname()[1]
        assert main(["local", "--port", str(taken), *repo]) == 2
        err = capsys.readouterr().err
        assert f"error: port {taken} is taken by pid {os.getpid()} (" in err
        assert "mcp-access local --port N` (make local PORT=N)" in err
    port = server.free_port()
    assert main(["local", "--port", str(port), *repo]) == 0
    out = capsys.readouterr().out
    assert f"at http://127.0.0.1:{port}" in out
    assert f"http://127.0.0.1:{port}/mcp" in out and "127.0.0.1:8055" not in out
    # The other commands of the local stack reach the same Directus, not the file's port.
    assert main(["drift", "--stack", "local", *repo]) == 0, capsys.readouterr()
    assert f"(http://127.0.0.1:{port})" in capsys.readouterr().out
    assert main(["destroy", "--stack", "local", *repo]) == 0  # the local stack needs no --yes
    assert "'delete': " in capsys.readouterr().out

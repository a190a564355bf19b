"""The checks every entrance runs before the engine: the stack file, Directus reachable, destroy confirmed."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from components.cli import main
from components.engine.prechecks import DirectusUnreachableError, before_engine, check_reachable
from components.names import PROJECT_ROOT

LOCAL_FILE = (PROJECT_ROOT / "stacks" / "Pulumi.local.yaml").read_text()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", tmp_path)
    (tmp_path / "stacks").mkdir()
    shutil.copytree(PROJECT_ROOT / "templates", tmp_path / "templates")
    return tmp_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write(project: Path, stack: str, text: str) -> None:
    (project / "stacks" / f"Pulumi.{stack}.yaml").write_text(text)


def test_a_directus_that_is_down_is_named_with_the_stack_setting_in_seconds(project: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    write(project, "team", LOCAL_FILE.replace("http://127.0.0.1:8055", url))
    started = time.monotonic()
    with pytest.raises(DirectusUnreachableError) as caught:
        before_engine("team", project)
    assert time.monotonic() - started < 6
    text = str(caught.value)
    assert f"Directus at {url} (stack 'team') is not reachable: connection refused" in text
    assert "what to do: start it" in text
    assert "correct directus-mcp-access:directusUrl in stacks/Pulumi.team.yaml" in text


def test_the_cli_checks_reachability_before_the_engine(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    write(project, "team", LOCAL_FILE.replace("http://127.0.0.1:8055", url))
    monkeypatch.setattr("components.cli._stack", lambda *a, **k: pytest.fail("the engine was started"))
    for command in (["preview"], ["up"], ["drift"], ["onboard", "john"]):
        assert main([*command, "--stack", "team", "--repo", str(project)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: Directus at {url} (stack 'team') is not reachable"), (command, err)


def test_a_yaml_syntax_error_names_the_file_and_the_right_line(project: Path) -> None:
    lines = LOCAL_FILE.splitlines()
    lines[10] = "      firstName: Sarah: Smith"  # line 11
    write(project, "team", "\n".join(lines) + "\n")
    with pytest.raises(Exception) as caught:
        before_engine("team", project, reach=False)
    assert str(caught.value).startswith("stacks/Pulumi.team.yaml, line 11, column ")
    assert "not valid YAML: mapping values are not allowed here" in str(caught.value)


def test_every_problem_of_the_stack_file_at_once_with_file_field_and_value(project: Path) -> None:
    text = LOCAL_FILE.replace("directus-mcp-access:rotationDays: 90", "directus-mcp-access:rotationDays: 900")
    text = text.replace("  directus-mcp-access:mcp:\n", "  directus-mcp-access:ipAllowList: [10.0.0.0/8]\n"
                        "  directus-mcp-access:mcp:\n    allowDeletse: true\n")  # fmt: skip
    text = text.replace("email: john@company.com", "email: john-at-company")
    write(project, "team", text)
    with pytest.raises(Exception) as caught:
        before_engine("team", project, reach=False)
    message = str(caught.value)
    assert message.startswith("stacks/Pulumi.team.yaml: invalid stack configuration:")
    assert "directus-mcp-access:ipAllowList: not a setting of this tool" in message
    assert "members[0].email: 'john-at-company' is not a valid email address" in message
    assert "rotationDays: Input should be less than or equal to 365 (got 900)" in message
    assert "mcp.allowDeletse: not a setting of this tool (known here: enabled, allowDeletes," in message
    assert "Extra inputs are not permitted" not in message


def test_a_stack_without_a_file_points_at_init_and_lists_the_stack_files(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, "local", LOCAL_FILE)
    write(project, "staging", LOCAL_FILE)
    assert main(["drift", "--stack", "nosuch", "--repo", str(project)]) == 2
    err = capsys.readouterr().err
    assert "stack 'nosuch' has no settings file stacks/Pulumi.nosuch.yaml (stacks: local, staging)" in err
    assert "what to do: create it with `mcp-access init nosuch --url <Directus URL>`" in err
    assert "mcp-access up" not in err


def test_destroy_of_a_stack_other_than_local_needs_yes(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, "team", LOCAL_FILE)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    monkeypatch.setattr("components.cli._stack", lambda *a, **k: pytest.fail("the engine was started"))
    assert main(["destroy", "--stack", "team", "--repo", str(project)]) == 2
    err = capsys.readouterr().err
    assert "error: destroy of stack 'team' needs confirmation; nothing was changed" in err
    assert "mcp-access destroy --stack team --yes" in err


def test_destroy_asks_for_the_stack_name_in_a_terminal(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, "team", LOCAL_FILE)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda _prompt: "tema")
    monkeypatch.setattr("components.cli._stack", lambda *a, **k: pytest.fail("the engine was started"))
    assert main(["destroy", "--stack", "team", "--repo", str(project)]) == 2
    assert "destroy of stack 'team' not confirmed (typed 'tema')" in capsys.readouterr().err


def test_reachable_means_any_http_answer() -> None:
    """A 404 (a proxy, an old server) is an answer: the engine reports what is wrong with it, not this check."""
    server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)  # answers 501 to every GET
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        check_reachable(f"http://127.0.0.1:{server.server_port}", "team", timeout=5)
    finally:
        thread.join(timeout=5)
        server.server_close()
    with pytest.raises(DirectusUnreachableError, match="start it with `mcp-access local`"):
        check_reachable(f"http://127.0.0.1:{free_port()}", "local", timeout=1)

"""The state backend's password never reaches what ``mcp-access`` prints, on any of its output paths.

Paths: an engine failure (``engine_errors``), ``drift --engine``'s failed preview, ``mcp-access pulumi -- ...``
(the engine's own output passed through), ``--verbose`` streams, and both forms of the URL (``user:pass@`` and
``?password=``).
"""

from __future__ import annotations

import argparse
import stat
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
from pulumi import automation as auto

from components import cli
from components.engine import passthrough
from components.ops.drift import run as drift_run
from components.redaction import redact

PASSWORD = "s3cr3t-Pa55word"
USER_URL = f"postgres://state:{PASSWORD}@10.0.0.5:5432/pulumi?sslmode=require"
QUERY_URL = f"postgres://10.0.0.5:5432/pulumi?user=state&password={PASSWORD}&sslmode=disable"


@pytest.mark.parametrize("url", [USER_URL, QUERY_URL])
def test_both_url_forms_are_redacted(url: str) -> None:
    shown = redact(f'error: unable to open state database "{url}"')
    assert PASSWORD not in shown
    assert "10.0.0.5:5432/pulumi" in shown  # still says which backend


def test_drift_engine_failure_is_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    transcript = f'error: unable to open state database "{USER_URL}"'

    def failing_preview(*_: Any, **__: Any) -> Any:
        raise auto.CommandError(auto.CommandResult("", transcript, 255))

    state = SimpleNamespace(
        outputs=lambda: {"members": auto.OutputValue({}, False)}, raw=[], has_untyped=False, urns=frozenset()
    )
    monkeypatch.setattr(drift_run, "stack_settings", lambda stack: (None, {}))
    monkeypatch.setattr(drift_run, "read_state", lambda stack: state)
    monkeypatch.setattr(drift_run, "admin_client", lambda values: None)
    monkeypatch.setattr(drift_run, "stack_templates", lambda stack: None)
    monkeypatch.setattr(drift_run, "declared_in_state", lambda *a: None)
    monkeypatch.setattr(drift_run, "server_info", lambda client: None)
    monkeypatch.setattr(drift_run, "drifted_resources", failing_preview)
    with pytest.raises(drift_run.DriftError) as caught:
        drift_run.run_drift(SimpleNamespace(name="prod"), engine=True)  # type: ignore[arg-type]
    assert PASSWORD not in str(caught.value)
    assert "unable to open state database" in str(caught.value)


def test_pulumi_passthrough_output_is_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "pulumi"
    fake.write_text(f"#!/bin/sh\necho 'Backend URL: {USER_URL}'\necho 'also {QUERY_URL}' >&2\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(passthrough, "pulumi_environment", lambda stack, work_dir, extra=None: (str(fake), {}))
    monkeypatch.setattr(passthrough, "check_backend_settings", lambda *a, **k: None)
    code = passthrough.run_pulumi(["whoami", "-v"], stack="prod", work_dir=tmp_path)
    out, err = capfd.readouterr()
    assert code == 3
    assert PASSWORD not in out + err
    assert "Backend URL: postgres://state:***@10.0.0.5:5432/pulumi" in out
    assert "also postgres://" in err


class _Preview:
    change_summary: ClassVar[dict[str, int]] = {}


class _Stack:
    """The engine's preview: a streamed transcript, and an event whose words ``preview --engine`` prints (an
    advisory policy of another pack quoting the backend URL)."""

    name = "prod"

    def preview(self, *, on_output: Any = None, on_event: Any = None, **_: Any) -> _Preview:
        if on_output is not None:
            on_output(f"streamed: {QUERY_URL}")
        advisory = auto.PolicyEvent(f"preview via {USER_URL}", "never", "state-url", "other", "1", "", "advisory")
        on_event(auto.EngineEvent(1, 0, policy_event=advisory))
        return _Preview()


@pytest.mark.parametrize("verbose", [[], ["--verbose"]])
def test_engine_output_printed_by_preview_is_redacted(
    verbose: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fake_stack(_args: argparse.Namespace, *, create: bool = True) -> _Stack:
        return _Stack()

    monkeypatch.setattr(cli, "_stack", fake_stack)
    monkeypatch.setattr(cli, "_prechecks", lambda args, reach=True: None)
    monkeypatch.setattr(cli, "refuse_past_changes", lambda stack: None)
    assert cli.main(["preview", "--stack", "prod", "--no-policy-pack", "--engine", *verbose]) == 0
    out, err = capsys.readouterr()
    assert PASSWORD not in out + err
    assert "policy state-url [advisory]: preview via postgres://" in out
    assert "streamed: postgres://" in out if verbose else "streamed" not in out

"""``mcp-access onboard`` through ``main()``: the token only with ``--show-token`` or into a private ``--out`` file.

The stack lookup is replaced by a fixed :class:`OnboardingInfo` (the end-to-end suite runs the real one); what is
tested here is what the command line prints and writes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from components import cli
from components.ops.onboarding.render import OnboardingInfo

TOKEN = "tok_Zx9-onboard-secret_42"

INFO = OnboardingInfo(
    member="john",
    mcp_email="ai-john@company.com",
    template="content",
    stack="production",
    mcp_url="https://cms.example.com/mcp",
    token=TOKEN,
    allow_deletes=False,
    ip_allowlist=[],
    rotation_due="2026-03-01",
)


@pytest.fixture(autouse=True)
def fixed_member(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_prechecks", lambda args, reach=True: None)  # no stack file, no Directus here
    monkeypatch.setattr(cli, "_stack", lambda args, create=True: None)
    monkeypatch.setattr(cli, "onboarding_info", lambda stack, member, **kw: INFO)
    monkeypatch.setattr(cli, "sealed_onboarding", lambda *args, **kwargs: False)  # a stack without sealed delivery


def onboard(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["onboard", "john", "--stack", "production", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_without_show_token_or_out_no_token_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = onboard(capsys)
    assert code == 0
    assert TOKEN not in out + err
    assert "--show-token" in out + err  # says how to get it
    assert "ai-john@company.com" in out  # the rest of the document is there


@pytest.mark.parametrize("client", ["claude-code", "chatgpt", "cursor"])
def test_show_token_prints_it(capsys: pytest.CaptureFixture[str], client: str) -> None:
    code, out, err = onboard(capsys, "--show-token", "--client", client)
    assert code == 0
    assert TOKEN in out
    assert TOKEN not in err


def test_out_over_an_existing_world_readable_file_leaves_it_mode_600(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "john.md"
    target.write_text("old")
    target.chmod(0o644)
    code, out, err = onboard(capsys, "--out", str(target))
    assert code == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert TOKEN in target.read_text()
    assert TOKEN not in out + err
    assert "mode 600" in out


def test_out_refuses_a_symlink_and_writes_nothing_through_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me")
    elsewhere.chmod(0o644)
    link = tmp_path / "john.md"
    link.symlink_to(elsewhere)
    code, out, err = onboard(capsys, "--out", str(link))
    assert code == 2
    assert elsewhere.read_text() == "keep me"
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o644
    assert str(link) in err and "symbolic link" in err
    assert TOKEN not in out + err


def test_out_creates_a_new_file_mode_600(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "new.md"
    old_umask = os.umask(0)  # even with a permissive umask
    try:
        code, _, _ = onboard(capsys, "--out", str(target))
    finally:
        os.umask(old_umask)
    assert code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600

"""The example GitHub Actions workflows: well-formed, every mcp-access call accepted by the command line,
and the PR review step run for real on this repository (it needs git only)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from components.cli import build_parser
from tests.helpers.workflows import WORKFLOWS, load, run_step

WORKFLOW_FILES = sorted(p.name for p in WORKFLOWS.glob("*.yml"))


def test_both_examples_ship() -> None:
    assert WORKFLOW_FILES == ["mcp-access-monthly.yml", "mcp-access-pr-review.yml"]


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_every_mcp_access_call_is_accepted_by_the_command_line(name: str) -> None:
    calls = []
    for job in load(name)["jobs"].values():
        for step in job["steps"]:
            for line in str(step.get("run", "")).splitlines():
                if "mcp-access " in line:
                    command = line[line.index("mcp-access ") :].split(" >", 1)[0].split(" |", 1)[0]
                    calls.append(shlex.split(command.replace('"$STACK"', "production").replace('"$BASE_SHA"', "HEAD")))
    assert calls, f"{name} calls no mcp-access command"
    for argv in calls:
        build_parser().parse_args(argv[1:])  # exits (fails the test) on an unknown option or value


def test_the_monthly_job_runs_drift_and_audit_and_opens_an_issue_on_findings() -> None:
    steps = {s.get("name"): s for s in load("mcp-access-monthly.yml")["jobs"]["check"]["steps"]}
    assert "mcp-access drift" in steps["Drift check"]["run"]
    assert "mcp-access audit" in steps["Activity audit (last 31 days)"]["run"]
    assert steps["Open an issue with the findings"]["if"] == (
        "steps.drift.outputs.code == '1' || steps.audit.outputs.code == '1'"
    )


def test_an_hourly_job_runs_expire_and_the_monthly_check_stays_monthly() -> None:
    workflow = load("mcp-access-monthly.yml")
    crons = [entry["cron"] for entry in workflow[True]["schedule"]]  # YAML 1.1 reads the key `on` as true
    hourly = next(cron for cron in crons if cron.split()[1:] == ["*", "*", "*", "*"])
    monthly = next(cron for cron in crons if cron != hourly)
    expire, check = workflow["jobs"]["expire"], workflow["jobs"]["check"]
    assert f"github.event.schedule == '{hourly}'" in expire["if"]
    assert f"github.event.schedule == '{monthly}'" in check["if"]
    runs = " ".join(str(step.get("run", "")) for step in expire["steps"])
    assert 'mcp-access expire --stack "$STACK"' in runs


def test_the_monthly_job_publishes_the_sealed_outbox_after_rotating_and_says_it_is_sealed() -> None:
    steps = load("mcp-access-monthly.yml")["jobs"]["check"]["steps"]
    names = [s.get("name") for s in steps]
    rotate = names.index("Rotate the tokens that are due (sealed to each member's key)")
    publish = names.index("Publish the sealed bundles")
    assert names.index("Open an issue with the findings") < rotate < publish  # the reports see hand changes first
    assert 'mcp-access up --stack "$STACK"' in steps[rotate]["run"]
    upload = steps[publish]
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["with"]["path"] == "outbox/" and upload["with"]["retention-days"] == 30
    header = (WORKFLOWS / "mcp-access-monthly.yml").read_text().split("name:", 1)[0]
    assert "safe to keep for its retention period" in header and "age -d -i" in header


def test_the_pr_review_step_writes_a_comment_ready_review(tmp_path: Path) -> None:
    result = run_step(
        "mcp-access-pr-review.yml",
        "review",
        "Permission review",
        cwd=tmp_path,
        expressions={"github.event.pull_request.base.sha": "HEAD"},
    )
    assert result.returncode == 0, result.stderr
    review = (tmp_path / "review.md").read_text()
    assert review == result.summary
    assert "`local`" in review
    for example in ("staging", "production"):  # examples to start from, not stacks of this repository
        assert f"`{example}`" not in review
    assert "| member | template |" in review


def test_the_pr_preview_holds_the_read_only_token_never_the_admin_token() -> None:
    """The preview runs the pull request's own code: it gets the guard user's token, and the header says where the
    write token belongs."""
    text = (WORKFLOWS / "mcp-access-pr-review.yml").read_text()
    workflow = load("mcp-access-pr-review.yml")
    for name, job in workflow["jobs"].items():
        env = {**(job.get("env") or {}), **{k: v for s in job["steps"] for k, v in (s.get("env") or {}).items()}}
        assert "secrets.DIRECTUS_PROVISIONING_TOKEN" not in str(env), name
    preview_env = workflow["jobs"]["preview"]["env"]
    assert preview_env["DIRECTUS_PROVISIONING_TOKEN"] == "${{ secrets.DIRECTUS_GUARD_TOKEN }}"
    assert "secrets.DIRECTUS_PROVISIONING_TOKEN" not in text
    header = text.split("\nname:", 1)[0]
    assert "required environment reviewers" in header
    assert "`mcp-access up` after the merge" in header


def test_the_monthly_job_publishes_the_report_page_and_links_it_from_the_summary() -> None:
    steps = {s.get("name"): s for s in load("mcp-access-monthly.yml")["jobs"]["check"]["steps"]}
    report = steps["Report page (matrix, findings, activity timeline, calendar)"]["run"]
    assert 'mcp-access report --stack "$STACK" --html "mcp-access-report-$STACK.html"' in report
    upload = steps["Publish the report page"]
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["with"]["path"] == "mcp-access-report-${{ matrix.stack }}.html"
    link = steps["Link the page from the run summary"]
    assert link["env"]["PAGE_URL"] == "${{ steps.upload.outputs.artifact-url }}"
    assert '"$GITHUB_STEP_SUMMARY"' in link["run"] and "$PAGE_URL" in link["run"]

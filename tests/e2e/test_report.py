"""``mcp-access report``: the page made from two real stacks on a real Directus, opened in a real browser.

The session's Directus (the findings made here are looked for among whatever else it holds), two stacks applied
with the real Pulumi CLI, an assistant writing through MCP outside working hours, and two changes made by hand in
Directus: a grant added to a managed policy (drift) and an unmanaged user holding a token (undeclared access).
Chromium (Debian's, driven by Selenium) opens the page with its network cut off and reads the DOM; its screenshot
is kept in ``test-artifacts/`` (``MCP_ACCESS_UPDATE_DOCS=1`` also writes docs/report.png).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pulumi import automation as auto

from components.cli import main
from components.directus.client import DirectusClient
from components.directus.mcp import call_tool
from components.engine.workspace import open_stack
from components.localdev import server
from components.names import PROJECT_ROOT
from tests.helpers.browser import ARTIFACTS, network_requests, offline_chromium
from tests.helpers.stacks import make_stack, stack_config

TEAM, DOCS = "rep-team", "rep-docs"
EVE = "eve-report@company.com"


def outside_hours_now() -> str:
    """Working hours that exclude the present hour (UTC), so the writes made now are flagged."""
    hour = datetime.now(UTC).hour
    return f"{(hour + 2) % 24:02d}:00-{(hour + 4) % 24:02d}:00"


@pytest.fixture(scope="module")
def stacks(
    directus: server.DirectusInstance, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, auto.Stack]]:
    base = tmp_path_factory.mktemp("report-stacks")
    team = make_stack(
        directus,
        base,
        TEAM,
        members=[
            {"name": "john", "email": "john@company.com", "template": "content"},
            {"name": "sarah", "email": "sarah@company.com", "template": "analysis"},
        ],
        templates={"content": {"collections": ["articles"]}, "analysis": {"collections": ["articles"]}},
        audit={"workingHours": outside_hours_now(), "workDays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
    )
    # The second stack lives in the first one's project folder and backend: one `--repo` for the monthly run.
    workspace = team.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    docs = open_stack(DOCS, work_dir=Path(str(workspace.work_dir)), env=workspace.env_vars)
    docs.set_all_config(
        stack_config(
            directus,
            members=[{"name": "ann", "email": "ann@company.com", "template": "analysis"}],
            templates={"analysis": {"collections": ["internal_notes"]}},
        )
    )
    team.up(color="never")
    docs.up(color="never")
    yield {TEAM: team, DOCS: docs}
    docs.destroy(color="never")
    team.destroy(color="never")


@pytest.fixture(scope="module")
def changed_by_hand(stacks: dict[str, auto.Stack], directus: server.DirectusInstance) -> Iterator[None]:
    """john writes three articles through MCP; an admin adds delete to a managed policy and makes a token user."""
    outputs = stacks[TEAM].outputs()
    for n in range(3):
        result = call_tool(
            outputs["mcpUrl"].value,
            outputs["tokens"].value["john"],
            "items",
            {"action": "create", "collection": "articles", "data": {"title": f"draft {n}"}},
        )
        assert not result.is_error, result.text
    with DirectusClient(directus.url, directus.admin_token) as admin:
        policy = admin.list_objects("/policies", filter={"name": {"_eq": f"MCP analysis ({TEAM})"}}, fields=["id"])
        grant = admin.create(
            "/permissions", {"policy": policy[0]["id"], "collection": "articles", "action": "delete", "fields": ["*"]}
        )
        eve = admin.create("/users", {"email": EVE, "status": "active", "token": "eve-" + secrets.token_hex(20)})
        yield
        admin.delete("/users", eve["id"])
        admin.delete("/permissions", grant["id"])


@pytest.fixture
def engine_env(stacks: dict[str, auto.Stack], monkeypatch: pytest.MonkeyPatch) -> Path:
    workspace = stacks[TEAM].workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
        monkeypatch.setenv(key, workspace.env_vars[key])
    return Path(str(workspace.work_dir))


def test_the_page_shows_both_stacks_matrix_findings_and_timeline_offline(
    changed_by_hand: None, engine_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "report.html"
    code = main(["report", "--stack", TEAM, "--stack", DOCS, "--repo", str(engine_env), "--html", str(page)])
    out = capsys.readouterr().out
    assert code == 1, out  # written, with findings
    assert out.startswith(f"wrote {page} (") and "2 stack(s)" in out
    printed = re.search(r"(\d+) finding\(s\)", out)
    assert printed is not None
    assert not [p for p in tmp_path.iterdir() if p.name != "report.html"]  # no temporary file left

    from selenium.webdriver.common.by import By

    with offline_chromium(1400, 1000) as driver:
        driver.get(page.as_uri())  # type: ignore[attr-defined]
        find = driver.find_elements  # type: ignore[attr-defined]
        sections = [s.get_attribute("id") for s in find(By.CSS_SELECTOR, "main > section")]
        assert sections == [TEAM, DOCS]

        def matrix(stack: str) -> dict[str, dict[str, str]]:
            rows = {}
            for row in find(By.CSS_SELECTOR, f"#{stack} table.matrix tbody tr"):
                cells = row.find_elements(By.CSS_SELECTOR, "td[data-collection]")
                rows[row.get_attribute("data-member")] = {
                    c.get_attribute("data-collection"): c.get_attribute("textContent").strip() for c in cells
                }
            return rows

        team = matrix(TEAM)
        assert list(team) == ["john", "sarah"]
        assert team["john"]["articles"] == "read, create, update"
        assert team["sarah"]["articles"] == "read"
        assert team["sarah"]["directus_files"] == "none"
        assert list(matrix(DOCS)) == ["ann"]
        assert matrix(DOCS)["ann"]["internal_notes"] == "read"

        assert len(find(By.CSS_SELECTOR, "li.finding")) == int(printed.group(1))  # every finding is on the page
        findings = [f.get_attribute("textContent") for f in find(By.CSS_SELECTOR, f"#{TEAM} li.finding")]
        joined = "\n".join(findings)
        assert "analysis-permissions: the permission set of template analysis differs in Directus" in joined
        assert "granted in Directus but not declared: delete on articles" in joined
        assert f"active user {EVE} is not managed by stack '{TEAM}' but holds a static token" in joined
        assert "activity outside working hours by john on articles" in joined
        link = find(By.CSS_SELECTOR, f"#{TEAM} li.finding a[href='#{TEAM}--template--analysis']")
        assert link, "the drift finding links to the template it concerns"
        docs_findings = [f.get_attribute("textContent") for f in find(By.CSS_SELECTOR, f"#{DOCS} li.finding")]
        assert [f for f in docs_findings if EVE in f]  # the same Directus, seen from the other stack

        timeline = find(By.CSS_SELECTOR, f"#{TEAM} g.tl-row")
        assert [g.get_attribute("data-member") for g in timeline] == ["john"]
        assert "3 writes by 1 of 2 members" in find(By.CSS_SELECTOR, f"#{TEAM}-tl-desc")[0].get_attribute("textContent")
        assert find(By.CSS_SELECTOR, f"#{TEAM} .mark-hours")

        driver.set_window_size(1400, driver.execute_script("return document.body.scrollHeight") + 40)  # type: ignore[attr-defined]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "report.png"))  # type: ignore[attr-defined]
        requests = network_requests(driver)
        console = driver.get_log("browser")  # type: ignore[attr-defined]
    assert [url for url in requests if not url.startswith("file://")] == []
    assert [entry for entry in console if entry["level"] == "SEVERE"] == []
    assert (ARTIFACTS / "report.png").stat().st_size > 50_000
    if os.environ.get("MCP_ACCESS_UPDATE_DOCS"):
        shutil.copy(ARTIFACTS / "report.png", PROJECT_ROOT / "docs" / "report.png")


def test_an_unknown_stack_or_an_unwritable_file_is_an_error_and_no_file(
    stacks: dict[str, auto.Stack], engine_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "report.html"
    code = main(["report", "--stack", "nope", "--stack", TEAM, "--repo", str(engine_env), "--html", str(page)])
    err = capsys.readouterr().err
    assert code == 2
    assert "error: stack 'nope' does not exist in its backend yet" in err
    assert list(tmp_path.iterdir()) == []

    code = main(["report", "--stack", TEAM, "--repo", str(engine_env), "--html", "/proc/report.html"])
    err = capsys.readouterr().err
    assert code == 2
    assert "error: --html /proc/report.html: " in err
    assert not Path("/proc/report.html").exists()

"""``mcp-access drift`` on a real Directus of its own: each kind of undeclared access, managed drift, rotation.

The Directus is started for this module only, so "clean" really means nothing else was granted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pulumi import automation as auto

from components.cli import main
from components.directus.client import DirectusClient
from components.localdev import server
from components.ops.drift.render import to_markdown
from components.ops.drift.run import run_drift
from tests.helpers.directus import fresh_directus
from tests.helpers.stacks import make_stack
from tests.helpers.workflows import run_step

STACK = "monthly"


@pytest.fixture(scope="module")
def own_directus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[server.DirectusInstance]:
    with fresh_directus(tmp_path_factory.mktemp("drift-directus")) as instance:
        yield instance


@pytest.fixture(scope="module")
def deployed(own_directus: server.DirectusInstance, tmp_path_factory: pytest.TempPathFactory) -> auto.Stack:
    base = tmp_path_factory.mktemp("drift-stack")
    members = [
        {"name": "john", "email": "john@company.com", "template": "content"},
        {"name": "sarah", "email": "sarah@company.com", "template": "analysis", "rotateAfterDays": 10},
    ]
    templates = {"content": {"collections": ["articles"]}, "analysis": {"collections": ["articles"]}}
    stack = make_stack(own_directus, base, STACK, members=members, templates=templates)
    stack.up(color="never")
    return stack


@pytest.fixture
def admin(own_directus: server.DirectusInstance) -> Iterator[DirectusClient]:
    with DirectusClient(own_directus.url, own_directus.admin_token) as client:
        yield client


def messages(stack: auto.Stack, warn_days: int = 5) -> list[str]:
    report = run_drift(stack, warn_days=warn_days)
    return [f.message for f in [*report.undeclared, *report.rotation]] + [d.summary for d in report.drifted]


def test_a_freshly_applied_stack_is_clean_and_the_command_exits_0(
    deployed: auto.Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The command line finds the test's stack through the same engine settings the fixture used.
    workspace = deployed.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
        monkeypatch.setenv(key, workspace.env_vars[key])
    code = main(["drift", "--stack", STACK, "--repo", str(workspace.work_dir), "--rotation-warning-days", "5"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "**Result: clean** (exit 0)" in out
    assert (
        "Scanned: 6 managed objects, 3 users, 4 policies, 4 access rows, 0 OAuth clients, 0 OAuth grants, 0 flows."
        in out
    )
    assert "### Directus 12.4.1\n\nNo known problem of this version weakens what the stack declares." in out

    code = main(["drift", "--stack", STACK, "--repo", str(workspace.work_dir), "--json"])
    data = json.loads(capsys.readouterr().out)
    # sarah rotates every 10 days: within the default 14-day warning window.
    assert code == 1
    assert [(f["kind"], f["subject"]) for f in data["rotation"]] == [("token-rotation", "sarah")]
    assert data["drift"] == [] and data["undeclaredAccess"] == []
    assert (data["directusVersion"], data["server"]) == ("12.4.1", [])


def test_tokens_past_their_rotation_date_are_reported(deployed: auto.Stack) -> None:
    report = run_drift(deployed, warn_days=1, now=datetime.now(UTC) + timedelta(days=11))
    assert [f.subject for f in report.rotation] == ["sarah"]
    assert report.rotation[0].message.startswith("the token of member sarah was due for rotation on ")


def test_unmanaged_users_holding_a_token_a_policy_or_an_mcp_role_are_reported(
    deployed: auto.Stack, admin: DirectusClient
) -> None:
    side_door = admin.create("/policies", {"name": "Side door", "admin_access": False, "app_access": False})
    content_role = admin.list_objects("/roles", filter={"name": {"_eq": f"MCP content ({STACK})"}}, fields=["id"])
    made = [
        admin.create("/users", {"email": "eve@company.com", "status": "active", "token": "eve-" + "x" * 40}),
        admin.create("/users", {"email": "frank@company.com", "status": "active"}),
        admin.create("/users", {"email": "gina@company.com", "status": "active", "role": content_role[0]["id"]}),
        admin.create("/users", {"email": "hal@company.com", "status": "suspended", "token": "hal-" + "y" * 40}),
    ]
    link = admin.create("/access", {"policy": side_door["id"], "user": made[1]["id"]})
    try:
        found = messages(deployed)
        assert f"active user eve@company.com is not managed by stack '{STACK}' but holds a static token" in found
        assert (
            f"active user frank@company.com is not managed by stack '{STACK}' but holds direct policies 'Side door'"
            in found
        )
        assert (
            f"active user gina@company.com is not managed by stack '{STACK}' but holds this stack's role "
            f"'MCP content ({STACK})'" in found
        )
        assert not [m for m in found if "hal@" in m]  # suspended: no access
        assert not [m for m in found if "admin@example.com" in m]  # the provisioning user is expected
    finally:
        admin.delete("/access", link["id"])
        for user in made:
            admin.delete("/users", user["id"])
        admin.delete("/policies", side_door["id"])
    assert run_drift(deployed, warn_days=5).exit_code == 0


def test_access_attached_to_public_is_reported(deployed: auto.Stack, admin: DirectusClient) -> None:
    public = admin.list_objects("/policies", filter={"name": {"_eq": "$t:public_label"}}, fields=["id"])[0]
    open_data = admin.create("/policies", {"name": "Open data", "admin_access": False, "app_access": False})
    link = admin.create("/access", {"policy": open_data["id"], "role": None, "user": None})
    # Full-field, rule-free permissions: the unlicensed core tier refuses any other kind.
    grant = admin.create(
        "/permissions", {"policy": public["id"], "collection": "articles", "action": "read", "fields": ["*"]}
    )
    try:
        found = messages(deployed)
        assert "policy 'Open data' is attached to Public: anyone gets its access without a token" in found
        assert "Public (no token) may read articles" in found
    finally:
        admin.delete("/permissions", grant["id"])
        admin.delete("/access", link["id"])
        admin.delete("/policies", open_data["id"])
    assert run_drift(deployed, warn_days=5).exit_code == 0


def test_admin_policies_no_code_declares_are_reported(deployed: auto.Stack, admin: DirectusClient) -> None:
    editors = admin.create("/roles", {"name": "Editors"})
    backdoor = admin.create("/policies", {"name": "Backdoor", "admin_access": True, "app_access": True})
    spare = admin.create("/policies", {"name": "Spare admin", "admin_access": True, "app_access": False})
    administrator = admin.list_objects("/policies", filter={"name": {"_eq": "Administrator"}}, fields=["id"])[0]
    links = [
        admin.create("/access", {"policy": backdoor["id"], "role": editors["id"]}),
        admin.create("/access", {"policy": administrator["id"], "role": editors["id"]}),
    ]
    try:
        found = messages(deployed)
        assert "admin policy 'Backdoor', declared by no code, is held by role 'Editors'" in found
        assert "admin policy 'Administrator', declared by no code, is held by role 'Editors'" in found
        assert "admin policy 'Spare admin' is declared by no code (attached to nobody yet)" in found
    finally:
        for link in links:
            admin.delete("/access", link["id"])
        for policy in (backdoor, spare):
            admin.delete("/policies", policy["id"])
        admin.delete("/roles", editors["id"])
    assert run_drift(deployed, warn_days=5).exit_code == 0


def test_managed_objects_changed_by_hand_are_reported_in_plain_words(
    deployed: auto.Stack, admin: DirectusClient
) -> None:
    john = deployed.outputs()["members"].value["john"]["userId"]
    admin.update("/users", john, {"role": None})
    policy = admin.list_objects("/policies", filter={"name": {"_eq": f"MCP analysis ({STACK})"}}, fields=["id"])[0]
    admin.create(
        "/permissions", {"policy": policy["id"], "collection": "articles", "action": "delete", "fields": ["*"]}
    )
    try:
        report = run_drift(deployed, warn_days=5)
        by_name = {item.name: item for item in report.drifted}
        assert set(by_name) == {"john-user", "analysis-permissions"}
        assert by_name["john-user"].summary == (
            "the MCP user of member john differs in Directus (role): `up` restores the declared values"
        )
        assert by_name["john-user"].details[0].startswith("role: None in Directus, ")
        assert by_name["analysis-permissions"].details == ("granted in Directus but not declared: delete on articles",)
        text = to_markdown(report)
        assert (
            "- `analysis-permissions`: the permission set of template analysis differs in Directus (permissions): "
            "`up` restores the declared values\n  - granted in Directus but not declared: delete on articles"
        ) in text
    finally:
        deployed.up(refresh=True, color="never")
    assert run_drift(deployed, warn_days=5).exit_code == 0


def test_the_monthly_workflow_steps_report_findings_without_failing_and_fail_on_errors(
    deployed: auto.Stack, own_directus: server.DirectusInstance
) -> None:
    workspace = deployed.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    expressions = {
        "matrix.stack": STACK,
        "secrets.PULUMI_BACKEND_URL": workspace.env_vars["PULUMI_BACKEND_URL"],
        "secrets.PULUMI_CONFIG_PASSPHRASE": workspace.env_vars["PULUMI_CONFIG_PASSPHRASE"],
        "secrets.DIRECTUS_PROVISIONING_TOKEN": own_directus.admin_token,
    }
    cwd = Path(workspace.work_dir)

    drift = run_step("mcp-access-monthly.yml", "check", "Drift check", cwd=cwd, expressions=expressions)
    assert drift.returncode == 0, drift.stderr
    assert drift.outputs == {"code": "1"}  # sarah's token is due within 14 days: a finding, not a failure
    assert "the token of member sarah is due for rotation" in (cwd / "drift.md").read_text()
    assert drift.summary.startswith(f"## Drift check: stack `{STACK}`")

    audit = run_step(
        "mcp-access-monthly.yml", "check", "Activity audit (last 31 days)", cwd=cwd, expressions=expressions
    )
    assert audit.returncode == 0, audit.stderr
    assert audit.outputs == {"code": "0"}
    assert "Not recorded by Directus" in (cwd / "audit.md").read_text()

    broken = run_step(
        "mcp-access-monthly.yml",
        "check",
        "Drift check",
        cwd=cwd,
        expressions={**expressions, "matrix.stack": "no-such-stack"},
    )
    assert broken.returncode != 0
    assert broken.outputs == {"code": "2"}
    assert "error: stack 'no-such-stack' has no settings file stacks/Pulumi.no-such-stack.yaml" in broken.stderr
    assert "mcp-access init no-such-stack" in broken.stderr

"""The guard user (``guard.user``) through the real Pulumi CLI: `up` creates a read-only identity whose token
(the secret output ``guardToken``) runs ``preview`` and ``drift`` as the only Directus credential, and with which
every write is refused.

The stack file then holds no provisioning token (as the PR-review workflow example recommends): the commands read
``DIRECTUS_PROVISIONING_TOKEN``, here the guard's token.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pulumi import automation as auto

from components.cli import main
from components.directus.client import DirectusClient
from components.directus.errors import DirectusError
from components.localdev.server import DirectusInstance
from components.providers.connection import TOKEN_ENV
from tests.helpers.stacks import NS, make_stack

pytestmark = pytest.mark.core  # what a read-only identity may do differs between lines and license tiers

STACK = "guarded"
GUARD_EMAIL = "mcp-guard@company.com"
MEMBER = {"name": "kim", "email": "kim@company.com", "template": "content"}


@pytest.fixture(scope="module")
def deployed(directus: DirectusInstance, tmp_path_factory: pytest.TempPathFactory) -> Iterator[auto.Stack]:
    stack = make_stack(directus, tmp_path_factory.mktemp("guard"), STACK, members=[MEMBER], guard={"user": GUARD_EMAIL})
    stack.up(color="never")
    yield stack
    # `destroy` takes the provider's settings from the state, which the refused `up` (guard token, no token in the
    # file) wrote last: hand it the admin token through the environment.
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    workspace.env_vars[TOKEN_ENV] = directus.admin_token
    stack.destroy(color="never")


@pytest.fixture
def as_guard(deployed: auto.Stack, directus: DirectusInstance, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The stack with no provisioning token in its file, and the guard's token in the environment."""
    token = str(deployed.outputs()["guardToken"].value)
    workspace = deployed.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
        monkeypatch.setenv(key, workspace.env_vars[key])
    monkeypatch.setenv(TOKEN_ENV, token)
    deployed.remove_config(f"{NS}:provisioningToken")
    yield token
    deployed.set_config(f"{NS}:provisioningToken", auto.ConfigValue(directus.admin_token, secret=True))


def cli(deployed: auto.Stack, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    workspace = deployed.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    code = main([*args, "--stack", STACK, "--repo", str(workspace.work_dir)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_guard_user_exists_read_only_and_its_token_is_a_secret_output(
    deployed: auto.Stack, admin: DirectusClient
) -> None:
    outputs = deployed.outputs()
    assert outputs["guardToken"].secret
    guard_id = outputs["guard"].value["userId"]
    user = admin.get_by_id("/users", guard_id, fields=["email", "role", "status", "token", "password"])
    assert user == {"email": GUARD_EMAIL, "role": None, "status": "active", "token": "**********", "password": None}
    (policy,) = admin.list_objects(
        "/access", filter={"user": {"_eq": guard_id}}, fields=["policy.admin_access", "policy.app_access"]
    )
    assert policy["policy"] == {"admin_access": False, "app_access": False}
    assert admin.whoami(str(outputs["guardToken"].value))["id"] == guard_id


def test_preview_and_drift_run_with_the_guard_token_and_see_a_change_made_by_hand(
    deployed: auto.Stack, as_guard: str, admin: DirectusClient, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(deployed, capsys, "preview")
    assert code == 0, err
    assert "finished" in out and "'update'" not in out and "'create'" not in out  # nothing to change
    code, out, err = cli(deployed, capsys, "drift", "--json")
    assert code == 0, out + err  # clean: the admin's own Administrator role is still the expected one
    report = json.loads(out)
    assert report["drift"] == [] and report["undeclaredAccess"] == [] and report["directusVersion"]
    assert as_guard not in out + err

    kim = deployed.outputs()["members"].value["kim"]["userId"]
    admin.update("/users", kim, {"first_name": "Changed by hand"})
    try:
        code, out, _ = cli(deployed, capsys, "drift", "--json")
        assert code == 1
        assert [item["resource"] for item in json.loads(out)["drift"]] == ["kim-user"]
    finally:
        admin.update("/users", kim, {"first_name": "AI"})


def test_every_write_with_the_guard_token_is_refused(
    deployed: auto.Stack, directus: DirectusInstance, as_guard: str, admin: DirectusClient,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    kim = deployed.outputs()["members"].value["kim"]["userId"]
    policy_id = admin.list_objects("/policies", filter={"name": {"_eq": f"MCP content ({STACK})"}}, fields=["id"])
    with DirectusClient(directus.url, as_guard) as guard:
        attempts = [
            lambda: guard.update("/users", kim, {"status": "suspended"}),
            lambda: guard.update("/users", kim, {"token": "a-token-set-by-the-guard-0123456789"}),
            lambda: guard.update("/policies", policy_id[0]["id"], {"admin_access": True}),
            lambda: guard.create("/access", {"policy": policy_id[0]["id"], "role": None, "user": None}),
            lambda: guard.request("PATCH", "/settings", json={"mcp_allow_deletes": True}),
        ]
        for attempt in attempts:
            with pytest.raises(DirectusError) as refused:
                attempt()
            assert refused.value.status == 403, refused.value
    user = admin.get_by_id("/users", kim, fields=["status"])
    assert user == {"status": "active"}
    assert admin.get("/settings", {"fields": "mcp_allow_deletes"})["mcp_allow_deletes"] is False

    # `up` with the guard token: Directus refuses the write, nothing changes.
    admin.update("/users", kim, {"first_name": "Changed by hand"})
    try:
        code, out, err = cli(deployed, capsys, "up", "--no-policy-pack")
        assert code == 2
        assert "403" in err or "FORBIDDEN" in err, err
        assert admin.get_by_id("/users", kim, fields=["first_name"]) == {"first_name": "Changed by hand"}
        assert as_guard not in out + err
    finally:
        admin.update("/users", kim, {"first_name": "AI"})

"""State written before the house (commit 1d71688, flat ``components/``) keeps working with today's code.

Pulumi state pickles each dynamic provider by reference to its class (``components.providers.<kind>.<Class>``)
into the ``__provider`` input of every resource. ``tests/fixtures/state-before-house/`` holds the exported state
of a small stack that the old code deployed (see its README). Here it is imported into a fresh stack run by the
new code, against a Directus holding the objects it describes under the same ids: a refresh-preview must change
nothing, a roster change must apply, and destroy must remove everything.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.directus.errors import DirectusAuthError
from components.kinds import (
    ACCESS_LINK,
    KINDS,
    MCP_SETTINGS,
    PERMISSION_SET,
    POLICY,
    ROLE,
    STATIC_TOKEN,
    USER,
    Kind,
)
from components.localdev.server import DirectusInstance
from components.names import DYNAMIC_PROVIDER, MEMBER_COMPONENT, TEMPLATE_COMPONENT, TOKEN_KEY, URL_KEY
from tests.helpers.stacks import make_stack, set_values
from tests.helpers.state_fixture import (
    FIXTURE_PASSPHRASE,
    PLACEHOLDER_TOKEN,
    STACK,
    load_fixture,
    name_of,
    outputs,
    resources,
    roster,
    secret,
)

#: How to create each kind's object from its resource's outputs: path, output holding the id, fields.
CREATE_BODIES: tuple[tuple[Kind, str, str, tuple[str, ...]], ...] = (  # in dependency order
    (ROLE, "/roles", "role_id", ("name", "description", "icon")),
    (POLICY, "/policies", "policy_id", ("name", "description", "icon", "admin_access", "app_access", "enforce_tfa")),
    (ACCESS_LINK, "/access", "access_id", ("role", "policy")),
    (USER, "/users", "user_id", ("email", "first_name", "last_name", "role", "status", "tags")),
)


def recreate_described_objects(admin: DirectusClient, deployment: dict[str, Any]) -> None:
    """Create in Directus what the state describes, under the state's ids (Directus takes the uuid primary key
    given in a create body). Permissions have integer ids and the permission set finds them by policy: new ids.
    """
    for resource in resources(deployment, MCP_SETTINGS):
        out = outputs(resource)
        admin.request("PATCH", "/settings", json={k: v for k, v in out.items() if k.startswith("mcp_")})
    for kind, path, id_output, fields in CREATE_BODIES:
        for resource in resources(deployment, kind):
            out = outputs(resource)
            assert out[id_output] == resource["id"]
            created = admin.create(path, {"id": resource["id"], **{f: out[f] for f in fields}})
            assert created["id"] == resource["id"], f"Directus did not keep the id given in POST {path}"
    for resource in resources(deployment, PERMISSION_SET):
        out = outputs(resource)
        admin.create_many("/permissions", [{"policy": out["policy_id"], **p} for p in out["permissions"]])
    for resource in resources(deployment, STATIC_TOKEN):
        out = outputs(resource)
        assert out["token"] == PLACEHOLDER_TOKEN
        admin.update("/users", out["user_id"], {"token": out["token"]})


def not_due_yet(deployment: dict[str, Any]) -> dict[str, Any]:
    """The fixture's token was issued the day it was made, to be rotated 90 days later: move both dates to today,
    so that the test does not start replacing it (a rotation, not a compatibility problem) once that day is past.
    """
    now = datetime.now(UTC).replace(microsecond=0)
    for resource in resources(deployment, STATIC_TOKEN):
        days = resource["outputs"]["rotate_after_days"]
        resource["outputs"]["issued_at"] = now.isoformat()
        resource["outputs"]["rotation_due"] = (now + timedelta(days=days)).isoformat()
    return deployment


def pointed_at(deployment: dict[str, Any], directus: DirectusInstance) -> dict[str, Any]:
    """Give the state's provider resource this Directus's URL and admin token, as a user's own state has theirs.

    The engine configures the dynamic provider for a refresh (and for a destroy) from the config recorded in the
    provider resource at the last ``up``, not from the current stack config. The fixture's is the old run's
    Directus (gone) without a provisioning token (removed from the fixture): left so, every refresh fails with
    "no provisioning token". Made equal to the stack config, the provider resource itself has no diff either.
    """
    for resource in resources(deployment):
        if resource["type"] == DYNAMIC_PROVIDER:
            for key in ("inputs", "outputs"):
                resource[key][URL_KEY] = directus.url
                resource[key][TOKEN_KEY] = secret(directus.admin_token)
    return deployment


def project_steps(events: list[auto.EngineEvent]) -> dict[str, str]:
    """{urn: operation} of the steps on the project's own resources (components and dynamic resources)."""
    ours = {MEMBER_COMPONENT, TEMPLATE_COMPONENT, *(kind.type for kind in KINDS)}
    steps: dict[str, str] = {}
    for event in events:
        pre = event.resource_pre_event
        if pre is not None and pre.metadata.type in ours and pre.metadata.op != auto.OpType.REFRESH:
            steps[pre.metadata.urn] = pre.metadata.op.value
    return steps


def ids_of(deployment: dict[str, Any], kind: Kind) -> list[str]:
    return [str(r["id"]) for r in resources(deployment, kind)]


def remaining(admin: DirectusClient, path: str, ids: list[str]) -> list[dict[str, Any]]:
    return admin.list_objects(path, filter={"id": {"_in": ids}}, fields=["id"])


def remove_leftovers(admin: DirectusClient, deployment: dict[str, Any]) -> None:
    """After a failed run: delete what this test put into the shared Directus (a missing id is no error)."""
    for kind, path in ((USER, "/users"), (ACCESS_LINK, "/access"), (POLICY, "/policies"), (ROLE, "/roles")):
        for id_ in ids_of(deployment, kind):
            admin.delete(path, id_)


def test_state_written_before_the_house_refreshes_clean_then_updates_and_destroys(
    directus: DirectusInstance, admin: DirectusClient, tmp_path: Path
) -> None:
    deployment = pointed_at(not_due_yet(load_fixture()), directus)
    users = {name_of(r["urn"]).removesuffix("-user"): str(r["id"]) for r in resources(deployment, USER)}
    assert sorted(users) == ["john", "sarah"]
    recreate_described_objects(admin, deployment)
    assert admin.whoami(PLACEHOLDER_TOKEN)["id"] == users["john"]

    stack = make_stack(directus, tmp_path, STACK, env={"PULUMI_CONFIG_PASSPHRASE": FIXTURE_PASSPHRASE}, **roster())
    try:
        stack.import_stack(auto.Deployment(version=3, deployment=deployment["deployment"]))

        # 1. The new code, on the old state: a refresh-preview has nothing to do, on any resource. The new program
        # declares exactly the old URNs, every dynamic resource's provider unpickles (refresh calls its read), and
        # the provider resource is `same` too (its recorded config equals the stack config, see pointed_at).
        events: list[auto.EngineEvent] = []
        preview = stack.preview(refresh=True, expect_no_changes=True, color="never", on_event=events.append)
        steps = project_steps(events)
        declared = [
            r["urn"]
            for r in resources(deployment)
            if r["type"] in (MEMBER_COMPONENT, TEMPLATE_COMPONENT) or "__provider" in r.get("inputs", {})
        ]
        assert sorted(steps) == sorted(declared)
        assert {urn: op for urn, op in steps.items() if op != "same"} == {}, preview.stdout
        assert preview.change_summary == {"same": len(resources(deployment)) - 1}  # all but the provider resource

        # 2. The old state operates: disable john (suspended, token revoked); sarah stays suspended.
        set_values(stack, members=[{**m, "enabled": False} for m in roster()["members"]])
        events = []
        stack.up(refresh=True, color="never", on_event=events.append)
        changed = {name_of(urn): op for urn, op in project_steps(events).items() if op != "same"}
        assert changed == {"john-user": "update", "john-token": "delete"}
        for name, user_id in users.items():
            assert admin.get_by_id("/users", user_id, fields=["status"]) == {"status": "suspended"}, name
        with pytest.raises(DirectusAuthError):
            admin.whoami(PLACEHOLDER_TOKEN)
        assert "john" not in (stack.outputs()["tokens"].value or {})
        stack.preview(refresh=True, expect_no_changes=True, color="never")

        # 3. Destroy, with the new code, removes what the old code created.
        stack.destroy(color="never")
        for kind, path in ((USER, "/users"), (ROLE, "/roles"), (POLICY, "/policies"), (ACCESS_LINK, "/access")):
            assert remaining(admin, path, ids_of(deployment, kind)) == [], path
        assert admin.list_objects("/permissions", filter={"policy": {"_in": ids_of(deployment, POLICY)}}) == []
    finally:
        with contextlib.suppress(auto.CommandError):  # a failure above must not be hidden by this one
            stack.destroy(color="never")  # harmless when the test destroyed already
        remove_leftovers(admin, deployment)

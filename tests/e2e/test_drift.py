"""Drift: every out-of-band change made through the REST API is reported by ``preview --refresh`` on the right
resource, and the next ``up`` restores the declared state. One stack serves all cases; each case restores it.

Each case also holds ``drift``'s two ways of planning to the same findings: the in-process plan (the default of
``mcp-access drift``) and the engine's ``preview --refresh`` (``--engine``) must give identical
:class:`~components.ops.drift.wording.DriftedResource` lists; and ``mcp-access preview`` (in process, with the
guardrail pack) must plan the same operation on the same resources, with no violation (nothing declared changed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.directus.errors import DirectusAuthError
from components.directus.version import server_info
from components.engine.deployed import admin_client, stack_settings
from components.localdev.server import DirectusInstance
from components.ops.drift.plan import planned_steps
from components.ops.drift.preview import drifted_resources
from components.ops.drift.state import read_state
from components.ops.drift.wording import DriftedResource, drifted
from components.ops.preview.render import operations as preview_operations
from components.ops.preview.run import preview_in_process
from tests.helpers.stacks import NS, make_stack, planned_changes, set_values

pytestmark = pytest.mark.core  # also run on PostgreSQL + Redis and on Directus 11.x

DRIFT_LOG = Path(__file__).resolve().parents[2] / "reports" / "drift-cases.jsonl"


@dataclass
class Live:
    """What a case needs to know about the deployed stack."""

    admin: DirectusClient
    outputs: dict[str, Any]

    @property
    def user_id(self) -> str:
        return str(self.outputs["members"]["john"]["userId"])

    @property
    def token(self) -> str:
        return str(self.outputs["tokens"]["john"])

    @property
    def policy(self) -> dict[str, Any]:
        rows = self.admin.list_objects("/policies", filter={"name": {"_eq": "MCP content (drift)"}}, fields=["id"])
        return rows[0]

    @property
    def role_id(self) -> str:
        rows = self.admin.list_objects("/roles", filter={"name": {"_eq": "MCP content (drift)"}}, fields=["id"])
        return str(rows[0]["id"])

    def other_policy(self) -> str:
        """A policy nobody declared (Directus's own Administrator policy)."""
        rows = self.admin.list_objects("/policies", filter={"admin_access": {"_eq": True}}, fields=["id"])
        return str(rows[0]["id"])

    def direct_policies(self, holder: str, holder_id: str) -> list[str]:
        rows = self.admin.list_objects("/access", filter={holder: {"_eq": holder_id}}, fields=["policy"])
        return [str(r["policy"]) for r in rows]

    def permission(self, collection: str) -> dict[str, Any]:
        rows = self.admin.list_objects(
            "/permissions", filter={"policy": {"_eq": self.policy["id"]}, "collection": {"_eq": collection}}
        )
        return rows[0]

    def permissions(self) -> list[tuple[str, str]]:
        rows = self.admin.list_objects("/permissions", filter={"policy": {"_eq": self.policy["id"]}})
        return sorted((r["collection"], r["action"]) for r in rows)

    def access_rows(self) -> list[dict[str, Any]]:
        return self.admin.list_objects("/access", filter={"policy": {"_eq": self.policy["id"]}})

    def user(self) -> dict[str, Any]:
        rows = self.admin.list_objects("/users", filter={"email": {"_eq": "ai-john@company.com"}})
        return rows[0]


@dataclass
class Case:
    name: str
    mutate: Callable[[Live], None]
    expected: dict[str, str]  # logical resource name -> operation preview must show
    restored: Callable[[Live], bool]


DECLARED_PERMISSIONS = sorted(
    [(c, a) for c in ("articles", "directus_files", "directus_folders") for a in ("create", "read", "update")]
    + [(c, "read") for c in ("directus_collections", "directus_fields", "directus_relations")]
)


def policy_links_only_the_role(live: Live) -> bool:
    return [(r["role"], r["user"]) for r in live.access_rows()] == [(live.role_id, None)]


def token_works(live: Live) -> bool:
    return live.admin.whoami(live.token)["id"] == live.user_id


CASES = [
    Case(
        "user field changed",
        lambda live: live.admin.update("/users", live.user_id, {"first_name": "Changed"}),
        {"john-user": "update"},
        lambda live: live.user()["first_name"] == "AI",
    ),
    Case(
        "policy escalated to admin_access",
        lambda live: live.admin.update("/policies", live.policy["id"], {"admin_access": True}),
        {"content-policy": "update"},
        lambda live: live.admin.get_by_id("/policies", live.policy["id"])["admin_access"] is False,
    ),
    Case(
        "permission added",
        lambda live: live.admin.create(
            "/permissions",
            {"policy": live.policy["id"], "collection": "internal_notes", "action": "read", "fields": ["*"]},
        ),
        {"content-permissions": "update"},
        lambda live: live.permissions() == DECLARED_PERMISSIONS,
    ),
    Case(
        "permission removed",
        lambda live: live.admin.delete("/permissions", live.permission("articles")["id"]),
        {"content-permissions": "update"},
        lambda live: live.permissions() == DECLARED_PERMISSIONS,
    ),
    Case(
        "permission widened to deleting",
        lambda live: live.admin.create(
            "/permissions", {"policy": live.policy["id"], "collection": "articles", "action": "delete", "fields": ["*"]}
        ),
        {"content-permissions": "update"},
        lambda live: live.permissions() == DECLARED_PERMISSIONS,
    ),
    Case(
        "permission duplicated",
        lambda live: live.admin.create(
            "/permissions", {"policy": live.policy["id"], "collection": "articles", "action": "read", "fields": ["*"]}
        ),
        {"content-permissions": "update"},
        lambda live: live.permissions() == DECLARED_PERMISSIONS,
    ),
    Case(
        "role-policy link removed",
        lambda live: live.admin.delete("/access", live.access_rows()[0]["id"]),
        {"content-access": "create"},
        lambda live: policy_links_only_the_role(live) and token_works(live),
    ),
    Case(
        "policy attached to another user",
        lambda live: live.admin.create("/access", {"policy": live.policy["id"], "user": live.admin.whoami()["id"]}),
        {"content-policy": "update"},
        policy_links_only_the_role,
    ),
    Case(
        "policy attached to Public",
        lambda live: live.admin.create("/access", {"policy": live.policy["id"], "role": None, "user": None}),
        {"content-policy": "update"},
        policy_links_only_the_role,
    ),
    Case(
        "admin policy attached to the MCP user directly",
        lambda live: live.admin.create("/access", {"policy": live.other_policy(), "user": live.user_id}),
        {"john-user": "update"},
        lambda live: live.direct_policies("user", live.user_id) == [],
    ),
    Case(
        "admin policy attached to the template's role",
        lambda live: live.admin.create("/access", {"policy": live.other_policy(), "role": live.role_id}),
        {"content-role": "update"},
        lambda live: live.direct_policies("role", live.role_id) == [live.policy["id"]],
    ),
    Case(
        "user moved to another role",
        lambda live: live.admin.update("/users", live.user_id, {"role": None}),
        {"john-user": "update"},
        lambda live: live.user()["role"] == live.role_id and token_works(live),
    ),
    Case(
        "role renamed",
        lambda live: live.admin.update("/roles", live.role_id, {"name": "Renamed by hand"}),
        {"content-role": "update"},
        lambda live: live.admin.get_by_id("/roles", live.role_id)["name"] == "MCP content (drift)",
    ),
    Case(
        "user suspended",
        lambda live: live.admin.update("/users", live.user_id, {"status": "suspended"}),
        {"john-user": "update", "john-token": "replace"},
        lambda live: live.user()["status"] == "active" and token_works(live),
    ),
    Case(
        "token changed",
        lambda live: live.admin.update("/users", live.user_id, {"token": "changed-by-hand-token-0123456789"}),
        {"john-token": "replace"},
        token_works,
    ),
    Case(
        "token cleared",
        lambda live: live.admin.update("/users", live.user_id, {"token": None}),
        {"john-token": "replace"},
        token_works,
    ),
    Case(
        "MCP setting flipped",
        lambda live: live.admin.request("PATCH", "/settings", json={"mcp_allow_deletes": True}),
        {"mcp-settings": "update"},
        lambda live: live.admin.get("/settings")["mcp_allow_deletes"] is False,
    ),
    Case(
        "role deleted",
        lambda live: live.admin.delete("/roles", live.role_id),
        # Directus sets the role of its users to null and suspends them: the user is updated back and, since its
        # token stopped working, the token is replaced (verified: not a needless replacement).
        {"content-role": "create", "content-access": "create", "john-user": "update", "john-token": "replace"},
        lambda live: live.user()["role"] == live.role_id and policy_links_only_the_role(live) and token_works(live),
    ),
    Case(
        "user deleted",
        lambda live: live.admin.delete("/users", live.user_id),
        {"john-user": "create", "john-token": "create"},  # the new user needs a token too
        lambda live: live.user()["status"] == "active" and token_works(live),
    ),
    Case(
        "policy deleted",
        lambda live: live.admin.delete("/policies", live.policy["id"]),
        {"content-policy": "create", "content-access": "create", "content-permissions": "create"},
        lambda live: live.permissions() == DECLARED_PERMISSIONS and token_works(live),
    ),
]


@pytest.fixture(scope="module")
def drift_stack(directus: DirectusInstance, tmp_path_factory: pytest.TempPathFactory) -> Iterator[auto.Stack]:
    stack = make_stack(directus, tmp_path_factory.mktemp("drift"), "drift")
    stack.up(color="never")
    DRIFT_LOG.parent.mkdir(exist_ok=True)
    DRIFT_LOG.write_text("")
    yield stack
    stack.destroy(color="never")


def outputs_of(stack: auto.Stack) -> dict[str, Any]:
    return {key: value.value for key, value in stack.outputs().items()}


def drift_both_ways(stack: auto.Stack) -> list[DriftedResource]:
    """The managed objects' drift planned in process and by the engine: they must be equal; returns it."""
    state = read_state(stack)
    config, values = stack_settings(stack)
    client = admin_client(values)
    in_process = drifted(planned_steps(state, config, values, client, server_info(client)), state.urns)
    engine = drifted_resources(stack, state.urns)
    assert in_process == engine, f"in-process plan:\n{in_process}\nengine's preview --refresh:\n{engine}"
    return engine


def operations(found: list[DriftedResource]) -> dict[str, str]:
    return {item.name: item.operation for item in found}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_drift_is_reported_on_the_right_resource_and_up_restores_it(
    case: Case, drift_stack: auto.Stack, admin: DirectusClient
) -> None:
    live = Live(admin, outputs_of(drift_stack))
    assert drift_both_ways(drift_stack) == [], "the stack must start clean"
    case.mutate(live)

    try:
        found = drift_both_ways(drift_stack)
        changes = {item.name: (item.operation, list(item.properties)) for item in found}
        with DRIFT_LOG.open("a") as log:
            log.write(json.dumps({"case": case.name, "preview": changes}) + "\n")
        # The whole map, both ways: a resource missing is a missed drift, one too many a false positive (a
        # needless replacement a reviewer would have to explain away).
        assert operations(found) == case.expected, f"{case.name}: {changes}"
        preview = preview_in_process(drift_stack)  # what a reviewer runs: the same plan, the pack passes
        planned = {urn.rsplit("::", 1)[-1]: op for urn, op in preview_operations(preview.steps).items()}
        assert {name: op for name, op in planned.items() if op != "same"} == case.expected, f"{case.name}: {planned}"
        assert preview.violations == []
    finally:
        drift_stack.up(refresh=True, color="never")  # the next case starts clean even if this one failed
    live = Live(admin, outputs_of(drift_stack))
    assert case.restored(live), f"{case.name}: up did not restore the declared state"
    assert planned_changes(drift_stack) == {}


def test_members_declared_but_not_applied_or_no_longer_declared_are_found_the_same_both_ways(
    drift_stack: auto.Stack,
) -> None:
    members = [{"name": "john", "email": "john@company.com", "template": "content"}]
    mia = {"name": "mia", "email": "mia@company.com", "template": "content"}
    try:
        set_values(drift_stack, members=[*members, mia])
        added = {item.name: item for item in drift_both_ways(drift_stack)}
        assert operations(list(added.values())) == {"mia-user": "create", "mia-token": "create"}
        assert added["mia-user"].summary == (
            "the MCP user of member mia is declared but not applied yet: `up` creates it"
        )
        set_values(drift_stack, members=[mia])
        removed = operations(drift_both_ways(drift_stack))
        assert removed == {"mia-user": "create", "mia-token": "create", "john-user": "delete", "john-token": "delete"}
    finally:
        set_values(drift_stack, members=members)
    assert drift_both_ways(drift_stack) == []


def test_token_past_its_rotation_date_is_replaced_and_the_old_one_fails(
    drift_stack: auto.Stack, admin: DirectusClient
) -> None:
    before = Live(admin, outputs_of(drift_stack))
    deployment = drift_stack.export_stack()
    for resource in deployment.deployment["resources"]:
        if resource["urn"].endswith("::john-token"):
            resource["outputs"]["rotation_due"] = "2020-01-01T00:00:00+00:00"
    drift_stack.import_stack(deployment)

    assert operations(drift_both_ways(drift_stack)) == {"john-token": "replace"}  # both ways, nothing else
    assert planned_changes(drift_stack, refresh=False)["john-token"][0] == "replace"
    drift_stack.up(color="never")
    after = Live(admin, outputs_of(drift_stack))
    assert after.token != before.token
    assert token_works(after)
    with pytest.raises(DirectusAuthError):
        admin.whoami(before.token)


def test_a_config_change_is_planned_the_same_both_ways_and_nothing_else(drift_stack: auto.Stack) -> None:
    """A declared change (not drift by hand): a collection added to the template, the rotation period shortened."""
    try:
        set_values(drift_stack, templates={"content": {"collections": ["articles", "internal_notes"]}}, rotationDays=30)
        assert operations(drift_both_ways(drift_stack)) == {"content-permissions": "update", "john-token": "update"}
    finally:
        set_values(drift_stack, templates={"content": {"collections": ["articles"]}})
        drift_stack.remove_config(f"{NS}:rotationDays")
    assert drift_both_ways(drift_stack) == []

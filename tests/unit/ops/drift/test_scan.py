"""The drift scan's rules on hand-built listings, and the plain words of a refreshed preview's steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from components.directus.version import ServerInfo, parse_version, server_version
from components.kinds import ROLE, USER
from components.ops.drift.scan import Declared, LiveDirectus, rotation_findings, scan, server_findings
from components.ops.drift.wording import changed_properties

DECLARED = Declared(
    stack="prod",
    user_ids=frozenset({"u-john"}),
    role_ids=frozenset({"r-content"}),
    policy_ids=frozenset({"p-content"}),
    provisioning_user="u-admin",
    provisioning_role="r-admin",
)


def live(**overrides: object) -> LiveDirectus:
    values: dict[str, object] = {
        "users": [
            {"id": "u-admin", "email": "admin@x.com", "status": "active", "role": "r-admin", "token": "**"},
            {"id": "u-john", "email": "ai-john@x.com", "status": "active", "role": "r-content", "token": "**"},
        ],
        "roles": [{"id": "r-admin", "name": "Administrator"}, {"id": "r-content", "name": "MCP content (prod)"}],
        "policies": [
            {"id": "p-admin", "name": "Administrator", "admin_access": True},
            {"id": "p-public", "name": "$t:public_label", "admin_access": False},
            {"id": "p-content", "name": "MCP content (prod)", "admin_access": False},
        ],
        "access": [
            {"role": "r-admin", "user": None, "policy": "p-admin"},
            {"role": None, "user": None, "policy": "p-public"},
            {"role": "r-content", "user": None, "policy": "p-content"},
        ],
    }
    values.update(overrides)
    return LiveDirectus(**values)  # type: ignore[arg-type]


def test_a_plain_directus_with_the_provisioning_admin_is_clean() -> None:
    assert scan(live(), DECLARED) == []


def test_a_user_tagged_for_this_stack_but_missing_from_its_state_is_named_so() -> None:
    stray = {"id": "u-x", "email": "ai-x@x.com", "status": "active", "role": None, "token": "**"}
    stray["tags"] = ["managed-by:directus-mcp-access", "mcp-stack:prod"]
    found = scan(live(users=[*live().users, stray]), DECLARED)
    assert [f.message for f in found] == [
        "active user ai-x@x.com (tagged for this stack 'prod' but not in its state) is not managed by stack "
        "'prod' but holds a static token"
    ]


def test_the_administrator_policy_on_another_role_is_reported_but_not_on_the_provisioning_role() -> None:
    access = [*live().access, {"role": "r-content", "user": None, "policy": "p-admin"}]
    found = scan(live(access=access), DECLARED)
    assert [f.message for f in found] == [
        "admin policy 'Administrator', declared by no code, is held by role 'MCP content (prod)'"
    ]


def test_rotation_window_and_disabled_members() -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    members = {
        "due": {"rotationDue": (now + timedelta(days=3)).isoformat(), "enabled": True},
        "late": {"rotationDue": (now - timedelta(days=1)).isoformat(), "enabled": True},
        "fine": {"rotationDue": (now + timedelta(days=30)).isoformat(), "enabled": True},
        "off": {"rotationDue": None, "enabled": False},
    }
    found = rotation_findings(members, now, warn_days=14)
    assert [(f.subject, f.message) for f in found] == [
        ("due", "the token of member due is due for rotation on 2026-11-27 (in 3 days)"),
        ("late", "the token of member late was due for rotation on 2026-11-23: run `up` to rotate it"),
    ]


def test_changed_properties_compare_live_outputs_with_declared_inputs() -> None:
    live_outputs = {"role": None, "email": "a@x.com", "policies": ["Administrator"], "linked_policies": []}
    declared = {"role": "r1", "email": "a@x.com", "linked_policies": [], "__provider": "blob"}
    # A user's attached policies are reported live as ``policies`` (see components.kinds.USER.live_names).
    assert changed_properties(live_outputs, declared, USER) == ("linked_policies", "role")
    assert changed_properties(live_outputs, declared, ROLE) == ("linked_policies", "role")
    rows = [{"collection": "a", "action": "read", "fields": ["*"]}]
    assert changed_properties({"permissions": rows}, {"permissions": rows}) == ()


@pytest.mark.parametrize(
    ("version", "allowlist", "warned"),
    [
        ("12.3.2", ["10.20.0.0/16"], True),
        ("11.17.4", ["10.20.0.0/16", "10.0.0.1"], True),
        ("12.4.0rc1", ["10.20.0.0/16"], True),
        ("12.4.0", ["10.20.0.0/16"], False),
        ("12.4.1", ["10.20.0.0/16"], False),
        ("13.0.0", ["10.20.0.0/16"], False),
        ("12.3.2", [], False),  # no allowlist: nothing to bypass
        (None, ["10.20.0.0/16"], False),  # version not reported: no guess
        ("not-a-version", ["10.20.0.0/16"], False),
    ],
)
def test_an_ip_allowlist_on_a_directus_before_12_4_0_is_flagged(
    version: str | None, allowlist: list[str], warned: bool
) -> None:
    found = server_findings(parse_version(version), allowlist)
    assert bool(found) is warned
    if warned:
        (finding,) = found
        assert finding.kind == "directus-version"
        assert f"Directus {version} is older than 12.4.0: its access cache ignored the caller's IP" in finding.message
        assert ", ".join(allowlist) in finding.message and "upgrade Directus to 12.4.0 or later" in finding.message


def test_server_version_reads_server_info_once() -> None:
    calls: list[str] = []

    class Client:
        def get(self, path: str) -> dict[str, str]:
            calls.append(path)
            return {"version": "12.4.1", "project_name": "x"}

    assert server_version(Client()) == parse_version("12.4.1")  # type: ignore[arg-type]
    assert calls == ["/server/info"]


def test_oauth_declared_on_a_server_whose_environment_is_off_is_flagged() -> None:
    off = ServerInfo(parse_version("12.4.1"), oauth_available=False, dcr_available=False, cimd_available=True)
    declared = {"mcp_oauth_enabled": True, "mcp_oauth_dcr_enabled": True, "mcp_oauth_cimd_enabled": True}
    found = server_findings(off.version, [], server=off, oauth_declared=declared)
    assert [f.subject for f in found] == ["mcp_oauth_enabled", "mcp_oauth_dcr_enabled"]
    assert found[0].message.startswith(
        "the stack turns mcp_oauth_enabled on, but this Directus runs without MCP_OAUTH_ENABLED=true"
    )
    on = ServerInfo(parse_version("12.4.1"), oauth_available=True, dcr_available=True, cimd_available=True)
    assert server_findings(on.version, [], server=on, oauth_declared=declared) == []
    unreported = ServerInfo(parse_version("11.17.4"))
    assert server_findings(unreported.version, [], server=unreported, oauth_declared=declared) == []
    assert server_findings(off.version, [], server=off, oauth_declared=dict.fromkeys(declared, False)) == []


def test_objects_marked_for_another_stack_on_the_same_directus_are_attributed_not_reported() -> None:
    from components.ops.drift.scan import other_stacks

    schema_user = {
        "id": "u-lee",
        "email": "ai-lee@x.com",
        "status": "active",
        "role": "r-dev",
        "token": "**",
        "tags": ["managed-by:directus-mcp-access", "mcp-stack:schema"],
    }
    schema_policy = {
        "id": "p-dev",
        "name": "MCP developer (schema)",
        "admin_access": True,
        "description": "Developer template\n[managed-by:directus-mcp-access stack=schema]",
    }
    # A tag alone does not hide a user that holds this stack's role, nor one without the managed-by marker.
    borrowed = {**schema_user, "id": "u-x", "email": "ai-x@x.com", "role": "r-content"}
    unmarked = {**schema_user, "id": "u-y", "email": "eve@x.com", "tags": ["mcp-stack:schema"]}
    state = live(
        users=[*live().users, schema_user, borrowed, unmarked],
        roles=[*live().roles, {"id": "r-dev", "name": "MCP developer (schema)"}],
        policies=[*live().policies, schema_policy],
        access=[*live().access, {"role": "r-dev", "user": None, "policy": "p-dev"}],
    )
    assert [f.subject for f in scan(state, DECLARED)] == ["ai-x@x.com", "eve@x.com"]
    assert other_stacks(state, DECLARED) == {"schema": ["policy 'MCP developer (schema)'", "user ai-lee@x.com"]}


def test_a_managed_user_with_a_password_is_a_finding_and_the_admin_s_own_is_not() -> None:
    """Directus reads a set password back as a mask (``**********``), an unset one as ``null``."""
    users = [
        {"id": "u-admin", "email": "admin@x.com", "status": "active", "role": "r-admin", "password": "**********"},
        {"id": "u-john", "email": "ai-john@x.com", "status": "active", "role": "r-content", "password": "**********"},
    ]
    [finding] = scan(live(users=users), DECLARED)
    assert finding.kind == "password" and finding.subject == "ai-john@x.com"
    assert "has a password set" in finding.message
    users[1]["password"] = None
    assert scan(live(users=users), DECLARED) == []


def test_an_allowlist_of_documentation_addresses_is_named() -> None:
    """The production example's addresses (RFC 5737) copied as they are: every member's reads would be refused."""
    from packaging.version import Version

    from components.ops.drift.scan import server_findings

    found = server_findings(Version("12.4.1"), ["203.0.113.0/24", "198.51.100.7/32"])
    assert [(f.kind, f.subject) for f in found] == [("directus-version", "ipAllowlist")]
    assert "ipAllowlist holds only documentation addresses (203.0.113.0/24, 198.51.100.7/32" in found[0].message
    assert "every read is refused" in found[0].message
    assert server_findings(Version("12.4.1"), ["203.0.113.0/24", "10.8.0.0/16"]) == []  # a real one is there too
    assert server_findings(Version("12.4.1"), []) == []

"""When ``up`` backs up first: only when an enabled member's template grants admin access (schema tools)."""

from __future__ import annotations

import json
from typing import Any

from components.model.role_specs import stack_role_specs
from components.model.role_templates import available_templates
from components.model.stack_config import load_config
from components.ops.backup.rules import members_with_schema_access


def schema_members(**raw: Any) -> list[str]:
    values = {"directusUrl": "https://cms.example.com", **{k: json.dumps(v) for k, v in raw.items()}}
    config = load_config(values.get, templates=available_templates(), present_keys=values)
    return members_with_schema_access(config, stack_role_specs(config, "staging"))


MEMBERS = [
    {"name": "john", "email": "john@company.com", "template": "content"},
    {"name": "lee", "email": "lee@company.com", "template": "developer"},
]
TEMPLATES = {"content": {"collections": ["articles"]}, "developer": {"collections": ["articles"]}}


def test_a_developer_member_needs_a_backup_and_content_alone_does_not() -> None:
    allow = {"allowAdminAccess": True}
    assert schema_members(members=MEMBERS, templates=TEMPLATES, guardrails=allow) == ["lee"]
    assert schema_members(members=MEMBERS[:1], templates={"content": TEMPLATES["content"]}) == []


def test_a_disabled_developer_gets_no_schema_access_hence_no_backup() -> None:
    members = [MEMBERS[0], {**MEMBERS[1], "enabled": False}]
    assert schema_members(members=members, templates=TEMPLATES, guardrails={"allowAdminAccess": True}) == []

"""Hand-built report facts (no Directus, no Pulumi): the report's unit tests and its render benchmark use them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from components.directus.oauth import OAuthClient, OAuthGrant, OAuthListing
from components.model.audit_config import AuditConfig
from components.ops.audit.rules import Activity, AuditedMember, AuditFinding, FindingKind, Rules
from components.ops.audit.run import AuditResult, MemberActivity, Period
from components.ops.calendar.run import CalendarPlan, RotationReminder
from components.ops.drift.run import DriftReport
from components.ops.drift.scan import Finding as DriftFinding
from components.ops.drift.wording import DriftedResource
from components.ops.report.facts import ReportFacts, StackFacts
from components.ops.review.matrix import MemberAccess, Rule, StackMatrix, TemplateGrants

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TEMPLATES = ("analysis", "content", "developer")
COLLECTIONS = ("articles", "pages", "products")
SCHEMA = ("directus_collections", "directus_fields", "directus_relations")


def templates() -> dict[str, TemplateGrants]:
    content = {c: ("read", "create", "update", "delete") for c in COLLECTIONS}
    return {
        "analysis": TemplateGrants(
            "analysis",
            False,
            False,
            (),
            {c: ("read",) for c in COLLECTIONS},
            rules={("articles", "read"): Rule(("id", "title"), '{"status": {"_eq": "published"}}')},
        ),
        "content": TemplateGrants("content", False, False, (), {**content, **{c: ("read",) for c in SCHEMA}}),
        "developer": TemplateGrants(
            "developer", True, False, ("10.0.0.0/8",), {**content, **{c: ("read", "create", "update") for c in SCHEMA}}
        ),
    }


def member_name(index: int) -> str:
    return f"member{index:03d}"


def stack_facts(name: str = "production", members: int = 3, *, days: int = 30) -> StackFacts:
    roster = tuple(
        MemberAccess(
            name=member_name(i),
            template=TEMPLATES[i % len(TEMPLATES)],
            mcp_email=f"ai-{member_name(i)}@company.com",
            enabled=i % 17 != 16,
            rotation_days=90,
            rotation_override=None,
        )
        for i in range(members)
    )
    matrix = StackMatrix(
        stack=name,
        directus_url=f"https://{name}.example.com",
        email_pattern="ai-{name}@company.com",
        mcp_enabled=True,
        allow_deletes=True,
        system_prompt_enabled=False,
        system_prompt=None,
        ip_allowlist=(),
        rotation_days=90,
        allow_admin_access=True,
        require_ip_allowlist=False,
        max_rotation_days=90,
        templates=templates(),
        members=roster,
    )
    user_ids = {m.name: f"user-{i}" for i, m in enumerate(roster)}
    drift = DriftReport(
        stack=name,
        directus_url=matrix.directus_url,
        checked_at=NOW,
        warn_days=14,
        drifted=[
            DriftedResource(
                "member000-user",
                "user",
                "member member000",
                "update",
                ("role",),
                "the MCP user of member member000 differs in Directus (role): `up` restores the declared values",
                ("role: None in Directus, 'r1' declared",),
            ),
            DriftedResource(
                "mcp-settings",
                "settings",
                f"stack `{name}`",
                "update",
                ("mcp_allow_deletes",),
                "the MCP settings differ in Directus (mcp_allow_deletes): `up` restores the declared values",
            ),
        ],
        undeclared=[
            DriftFinding(
                "unmanaged-user",
                "eve@company.com",
                f"active user eve@company.com is not managed by stack '{name}' but holds a static token",
            )
        ],
        rotation=[DriftFinding("token-rotation", member_name(1), f"the token of member {member_name(1)} is due soon")],
        counts={"managed objects": 6, "users": members + 2},
        directus_version="12.4.1",
        oauth_inventory=[],
    )
    audit_config = AuditConfig(working_hours="08:00-18:00")
    rules = Rules.from_config(audit_config)
    period = Period(NOW - timedelta(days=days), NOW)
    audited = [AuditedMember(m.name, user_ids[m.name], m.template, m.enabled, writes={}) for m in roster if m.enabled]
    activity: list[Activity] = []
    for index, member in enumerate(audited):
        if index % 3 == 2:
            continue  # some members write nothing
        for day in range(0, days, 1 + index % 4):
            moment = NOW - timedelta(days=day, hours=1 + index % 5)
            for n in range(1 + (index + day) % 6):
                activity.append(
                    Activity(len(activity) + 1, "update", "articles", str(n), moment, member.user_id, "10.0.0.1")
                )
    findings = [
        AuditFinding(
            FindingKind.MASS_DELETION, audited[0].name, NOW - timedelta(days=2), "delete", "articles", count=12
        ),
        AuditFinding(
            FindingKind.OUTSIDE_HOURS, audited[0].name, NOW - timedelta(days=3, hours=7), "update", "articles"
        ),
    ]
    audit = AuditResult(
        stack=name,
        directus_url=matrix.directus_url,
        period=period,
        rules=rules,
        members=[MemberActivity(m, f"ai-{m.name}@company.com", Counter()) for m in audited],
        findings=findings,
        activity=activity,
    )
    calendar = CalendarPlan(
        stack=name,
        mcp_url=f"{matrix.directus_url}/mcp",
        rotations=[
            RotationReminder(m.name, m.mcp_email, m.template, NOW + timedelta(days=5 + i % 80))
            for i, m in enumerate(roster)
            if m.enabled
        ],
        first_review=date(2027, 1, 1),
    )
    oauth = OAuthListing(
        available=True,
        clients=[OAuthClient("c1", "Claude", "dcr", NOW - timedelta(days=10))],
        grants=[OAuthGrant("token", "g1", user_ids[member_name(0)], "c1", NOW - timedelta(days=1))],
    )
    expires = {member_name(2): NOW + timedelta(days=20)} if members > 2 else {}
    return StackFacts(name, matrix, drift, audit, calendar, oauth, user_ids, expires)


def report_facts(*stacks: StackFacts) -> ReportFacts:
    return ReportFacts(
        made_at=NOW,
        commit="0123456789abcdef0123",
        dirty=False,
        tool_version="0.1.0",
        stacks=list(stacks) or [stack_facts()],
    )

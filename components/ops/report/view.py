"""The report's facts turned into what the HTML templates draw: pure, no I/O, no clock.

Charts are plain SVG drawn by the Jinja templates from the geometry :mod:`components.ops.report.charts` computes
(no charting library: see ``docs/report.md``). Every visual cue has a second, non-colour one: templates have a
symbol as well as a colour, timeline marks and calendar events have shapes, risky rights carry a ⚠ and a word.
Every chart has a text alternative (its ``summary``) and a table with the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from components.ops.audit.rules import FindingKind
from components.ops.report.charts import CalendarView, TimelineView, calendar_view, slug, timeline_view
from components.ops.report.facts import ReportFacts, StackFacts
from components.ops.review.diff import describe_stack
from components.ops.review.matrix import StackMatrix

#: Template colours: Okabe-Ito hues ordered so that neighbours differ in lightness (tell apart in greyscale),
#: each paired with a symbol (tell apart without colour at all).
TEMPLATE_STYLES = (
    ("#0072b2", "●"),
    ("#e69f00", "■"),
    ("#009e73", "▲"),
    ("#f0e442", "◆"),
    ("#cc79a7", "★"),
    ("#56b4e9", "✚"),
    ("#d55e00", "⬟"),
    ("#000000", "✱"),
)
#: Collections whose writes change the schema: Directus grants them to admin policies only.
SCHEMA_COLLECTIONS = frozenset({"directus_collections", "directus_fields", "directus_relations"})
RISKY_ACTIONS = frozenset({"delete", "share"})
#: How the page names the audit's kinds of finding.
AUDIT_WORDS = {
    FindingKind.MASS_DELETION: "mass deletion",
    FindingKind.OUTSIDE_TEMPLATE: "write outside the template",
    FindingKind.OUTSIDE_HOURS: "activity outside working hours",
    FindingKind.SUSPENDED: "user suspended",
    FindingKind.PASSWORD_LOGIN: "password login",
    FindingKind.OAUTH_TOKEN: "OAuth token issued to a static-token member",
    FindingKind.REFUSED: "refused call outside the template",
    FindingKind.READ_VOLUME: "unusual read volume",
    FindingKind.FAILED_LOGINS: "failed token logins",
}


@dataclass(frozen=True)
class TemplateKey:
    name: str
    colour: str
    symbol: str
    css: str
    anchor: str
    admin: bool
    app: bool
    ip_access: tuple[str, ...]


@dataclass(frozen=True)
class Cell:
    collection: str
    actions: tuple[str, ...]
    risky: tuple[str, ...]
    #: "fields a, b" / "items where {...}" per action that does not get all fields of all items.
    rules: tuple[str, ...]
    schema: bool

    @property
    def text(self) -> str:
        return ", ".join(self.actions)


@dataclass(frozen=True)
class MatrixRow:
    member: str
    anchor: str
    mcp_email: str
    template: TemplateKey
    enabled: bool
    badges: tuple[str, ...]
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class MatrixView:
    columns: tuple[str, ...]
    rows: tuple[MatrixRow, ...]
    templates: tuple[TemplateKey, ...]
    flags: str


@dataclass(frozen=True)
class FindingView:
    """One finding: its section, words, an id of its own, and a link to what it concerns (``None``: nothing here)."""

    anchor: str
    section: str
    text: str
    details: tuple[str, ...] = ()
    link: str | None = None
    link_text: str | None = None


@dataclass(frozen=True)
class StackView:
    name: str
    anchor: str
    directus_url: str
    directus_version: str
    checked_at: datetime
    matrix: MatrixView
    findings: tuple[FindingView, ...]
    drift_total: int
    audit_total: int
    timeline: TimelineView
    calendar: CalendarView
    oauth_inventory: tuple[str, ...] | None
    counts: Mapping[str, int]
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class PageView:
    title: str
    made_at: datetime
    commit: str
    tool_version: str
    stacks: tuple[StackView, ...]
    findings: int


def template_keys(stack: str, matrix: StackMatrix) -> dict[str, TemplateKey]:
    keys = {}
    for index, (name, access) in enumerate(sorted(matrix.templates.items())):
        colour, symbol = TEMPLATE_STYLES[index % len(TEMPLATE_STYLES)]
        keys[name] = TemplateKey(
            name=name,
            colour=colour,
            symbol=symbol,
            css=f"t{index % len(TEMPLATE_STYLES)}",
            anchor=slug(stack, "template", name),
            admin=access.admin_access,
            app=access.app_access,
            ip_access=access.ip_access,
        )
    return keys


def matrix_view(matrix: StackMatrix) -> MatrixView:
    keys = template_keys(matrix.stack, matrix)
    columns = tuple(matrix.collections())
    rows = []
    for member in matrix.members:
        template = matrix.template_of(member)
        grants = matrix.grants_of(member)
        cells = []
        for collection in columns:
            actions = tuple(grants.get(collection, ()))
            rules = tuple(
                f"{action}: {template.rules[(collection, action)].words()}"
                for action in actions
                if (collection, action) in template.rules
            )
            schema = collection in SCHEMA_COLLECTIONS and any(a != "read" for a in actions)
            cells.append(Cell(collection, actions, tuple(a for a in actions if a in RISKY_ACTIONS), rules, schema))
        badges = []
        if template.admin_access and member.enabled:
            badges.append("admin")
        if template.app_access and member.enabled:
            badges.append("app")
        if any(c.schema for c in cells):
            badges.append("schema")
        if not member.enabled:
            badges.append("disabled")
        rows.append(
            MatrixRow(
                member=member.name,
                anchor=slug(matrix.stack, "member", member.name),
                mcp_email=member.mcp_email,
                template=keys[member.template],
                enabled=member.enabled,
                badges=tuple(badges),
                cells=tuple(cells),
            )
        )
    used = {m.template for m in matrix.members}
    return MatrixView(
        columns=columns,
        rows=tuple(rows),
        templates=tuple(k for name, k in keys.items() if name in used),
        flags=describe_stack(matrix),
    )


#: The subject of a finding about the stack itself (its MCP settings): linked to the stack's section.
STACK_SUBJECT = "\x00stack"


def _target(stack: StackFacts, subject: str) -> tuple[str | None, str | None]:
    """The page anchor of what a finding's subject names: a member's row, a template's key, the stack's settings."""
    if subject == STACK_SUBJECT:
        return "#" + slug(stack.name), "the stack's settings"
    if stack.matrix.member(subject) is not None:
        return "#" + slug(stack.name, "member", subject), f"member {subject}"
    if subject in stack.matrix.templates:
        return "#" + slug(stack.name, "template", subject), f"template {subject}"
    return None, None


def findings_view(stack: StackFacts) -> list[FindingView]:
    found: list[FindingView] = []

    def add(section: str, text: str, subject: str, details: Iterable[str] = ()) -> None:
        link, link_text = _target(stack, subject)
        anchor = slug(stack.name, "finding", str(len(found) + 1))
        found.append(FindingView(anchor, section, text, tuple(details), link, link_text))

    drift = stack.drift
    for item in drift.drifted:
        owner_kind, _, owner = item.owner.partition(" ")
        add(
            "Changed by hand",
            f"{item.name}: {item.summary}",
            owner if owner_kind != "stack" else STACK_SUBJECT,
            item.details,
        )
    for finding in drift.undeclared:
        add("Access no code declares", finding.message, finding.subject)
    for finding in drift.rotation:
        add("Token rotation", finding.message, finding.subject)
    for finding in drift.server:
        add("Directus version", finding.message, finding.subject)
    for finding in drift.oauth:
        add("OAuth", finding.message, finding.subject)
    for finding in drift.flows:
        add("Flows", finding.message, finding.subject)
    for finding in drift.outside_allowlist:
        add("IP allowlist", finding.message, finding.subject)
    for audit in stack.audit.findings:
        when = f"{audit.timestamp:%Y-%m-%d %H:%M} UTC: " if audit.timestamp else ""
        where = f" on {audit.collection}" if audit.collection else ""
        count = f" ({audit.count} rows)" if audit.count > 1 else ""
        text = f"{when}{AUDIT_WORDS.get(audit.kind, audit.kind.value)} by {audit.member}{where}{count}"
        add("Activity audit", f"{text}: {audit.detail}" if audit.detail else text, audit.member)
    return found


def stack_view(facts: StackFacts, today: date) -> StackView:
    drift = facts.drift
    return StackView(
        name=facts.name,
        anchor=slug(facts.name),
        directus_url=drift.directus_url,
        directus_version=drift.directus_version or "(not reported)",
        checked_at=drift.checked_at,
        matrix=matrix_view(facts.matrix),
        findings=tuple(findings_view(facts)),
        drift_total=drift.findings,
        audit_total=len(facts.audit.findings),
        timeline=timeline_view(facts),
        calendar=calendar_view(facts, today),
        oauth_inventory=tuple(drift.oauth_inventory) if drift.oauth_inventory is not None else None,
        counts=drift.counts,
        notes=tuple(facts.audit.notes),
    )


def page_view(facts: ReportFacts) -> PageView:
    today = facts.made_at.date()
    stacks = tuple(stack_view(s, today) for s in facts.stacks)
    commit = facts.commit[:12] if facts.commit else "not a git checkout"
    if facts.commit and facts.dirty:
        commit += " (with uncommitted changes)"
    names = ", ".join(s.name for s in stacks)
    return PageView(
        title=f"MCP access report: {names} ({facts.made_at:%Y-%m-%d})",
        made_at=facts.made_at,
        commit=commit,
        tool_version=facts.tool_version,
        stacks=stacks,
        findings=sum(len(s.findings) for s in stacks),
    )

"""The report's two charts as geometry the templates draw in SVG: the activity timeline and the calendar strip.

Pure, no I/O. Each chart comes with a summary in words (its text alternative) and the table of its numbers; each
kind of mark has its own shape, not only its own colour.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from components.ops.audit.rules import AUDITED_WRITES, FindingKind
from components.ops.report.facts import StackFacts

#: The calendar strip's lanes, top to bottom, with their names.
CALENDAR_LANES = (
    ("rotation", "token rotation due"),
    ("expiry", "member access ends"),
    ("review", "monthly review"),
    ("oauth-client", "OAuth client registered"),
    ("oauth-token", "OAuth grant last used"),
)
#: The calendar strip covers at most this many days (a long rotation period would make it unreadable).
CALENDAR_MAX_DAYS = 120

DAY_WIDTH = 18
#: A long audit period gets narrower days (down to this), so that the timeline stays about a screen wide.
MIN_DAY_WIDTH = 4
TIMELINE_WIDTH = 1000
#: The calendar's days are narrower: it spans up to four months.
CALENDAR_DAY_WIDTH = 9
#: How far back the calendar starts (OAuth events before it are in its table only).
CALENDAR_PAST_DAYS = 14
ROW_HEIGHT = 16
LABEL_WIDTH = 170


def slug(*parts: str) -> str:
    """An HTML id from names: ``production`` + ``john.doe`` -> ``production--john-doe``."""
    return "--".join(re.sub(r"[^A-Za-z0-9_]+", "-", p).strip("-") or "x" for p in parts)


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    kind: str
    title: str


@dataclass(frozen=True)
class TimelineRow:
    member: str
    anchor: str
    y: int
    total: int
    #: (x, count, opacity, date) per day with writes.
    days: tuple[tuple[int, int, float, date], ...]


@dataclass(frozen=True)
class TimelineView:
    first: date
    days: int
    rows: tuple[TimelineRow, ...]
    marks: tuple[Mark, ...]
    width: int
    height: int
    #: (x, label) every 7 days.
    ticks: tuple[tuple[int, str], ...]
    quiet: int
    summary: str
    #: (member, date, writes, marks in words) for the table alternative.
    table: tuple[tuple[str, date, int, str], ...]
    zone: str
    hours: str
    day_width: int = DAY_WIDTH


@dataclass(frozen=True)
class CalendarEvent:
    day: date
    kind: str  # a lane of CALENDAR_LANES
    who: str
    text: str


@dataclass(frozen=True)
class CalendarView:
    first: date
    days: int
    width: int
    height: int
    #: (x, y, kind, title) per event shape.
    shapes: tuple[tuple[float, float, str, str], ...]
    ticks: tuple[tuple[int, str], ...]
    today_x: float | None
    events: tuple[CalendarEvent, ...]
    summary: str
    clipped: int


def _local_day(moment: datetime, facts: StackFacts) -> date:
    return moment.astimezone(facts.audit.rules.zone).date()


def timeline_view(facts: StackFacts) -> TimelineView:
    """Writes per member per day over the audit's period; outside-hours and mass-deletion findings as marks."""
    audit = facts.audit
    first = _local_day(audit.period.since, facts)
    last = _local_day(audit.period.until - timedelta(microseconds=1), facts)
    days = (last - first).days + 1
    width = max(MIN_DAY_WIDTH, min(DAY_WIDTH, TIMELINE_WIDTH // days))
    by_user = {m.member.user_id: m.member.name for m in audit.members}
    writes: dict[str, Counter[date]] = defaultdict(Counter)
    for row in audit.activity:
        if row.action in AUDITED_WRITES and row.user in by_user:
            writes[by_user[row.user]][_local_day(row.timestamp, facts)] += 1
    marked: dict[str, list[tuple[date, str, str]]] = defaultdict(list)
    for finding in audit.findings:
        if finding.kind in (FindingKind.OUTSIDE_HOURS, FindingKind.MASS_DELETION) and finding.timestamp is not None:
            kind = "mass" if finding.kind == FindingKind.MASS_DELETION else "hours"
            words = "mass deletion" if kind == "mass" else "outside working hours"
            title = f"{finding.member}: {words}, {finding.timestamp:%Y-%m-%d %H:%M} UTC ({finding.count} rows)"
            marked[finding.member].append((_local_day(finding.timestamp, facts), kind, title))
    names = [m.member.name for m in audit.members if writes.get(m.member.name) or marked.get(m.member.name)]
    peak = max((n for counts in writes.values() for n in counts.values()), default=1)
    rows, marks, table = [], [], []
    for index, name in enumerate(names):
        y = 24 + index * ROW_HEIGHT
        counts = writes.get(name, Counter())
        cells = tuple(
            (LABEL_WIDTH + (day - first).days * width, n, round(0.25 + 0.75 * n / peak, 2), day)
            for day, n in sorted(counts.items())
            if 0 <= (day - first).days < days
        )
        rows.append(TimelineRow(name, slug(facts.name, "member", name), y, sum(counts.values()), cells))
        per_day: dict[date, list[str]] = defaultdict(list)
        for day, kind, title in marked.get(name, []):
            offset = (day - first).days
            if 0 <= offset < days:
                shift = 5 if kind == "mass" else -5
                x = LABEL_WIDTH + offset * width + width / 2 + shift
                marks.append(Mark(x, y + ROW_HEIGHT / 2, kind, title))
                per_day[day].append("mass deletion" if kind == "mass" else "outside working hours")
        for day in sorted({*counts, *per_day}):
            table.append((name, day, counts.get(day, 0), ", ".join(sorted(set(per_day.get(day, [])))) or "-"))
    ticks = tuple(
        (LABEL_WIDTH + offset * width, f"{first + timedelta(days=offset):%b %d}")
        for offset in range(0, days, 7 if width >= 10 else 28)
    )
    total = sum(sum(c.values()) for c in writes.values())
    n_mass = sum(1 for m in marks if m.kind == "mass")
    n_hours = sum(1 for m in marks if m.kind == "hours")
    busiest = max(((n, name, day) for name, c in writes.items() for day, n in c.items()), default=None)
    summary = (
        f"Writes per member per day from {first} to {last}: {total} writes by {len(writes)} of "
        f"{len(audit.members)} members; {n_hours} outside working hours, {n_mass} mass deletions marked."
    )
    if busiest:
        summary += f" Busiest: {busiest[1]} with {busiest[0]} writes on {busiest[2]}."
    return TimelineView(
        first=first,
        days=days,
        rows=tuple(rows),
        marks=tuple(marks),
        width=LABEL_WIDTH + days * width + 10,
        day_width=width,
        height=24 + max(len(rows), 1) * ROW_HEIGHT + 6,
        ticks=ticks,
        quiet=len(audit.members) - len(names),
        summary=summary,
        table=tuple(table),
        zone=str(audit.rules.zone),
        hours=audit.rules.describe_hours(),
    )


def calendar_events(facts: StackFacts, today: date) -> list[CalendarEvent]:
    plan = facts.calendar
    events = [
        CalendarEvent(r.due.date(), "rotation", r.member, f"token of {r.member} ({r.template}) due for rotation")
        for r in plan.rotations
    ]
    events.append(CalendarEvent(plan.first_review, "review", "all", "monthly permission review"))
    events += [
        CalendarEvent(moment.date(), "expiry", member, f"access of {member} ends ({moment:%Y-%m-%d %H:%M} UTC)")
        for member, moment in sorted(facts.expires.items())
    ]
    names = {user_id: name for name, user_id in facts.user_ids.items()}
    for client in facts.oauth.clients:
        events.append(
            CalendarEvent(
                client.date_created.date(),
                "oauth-client",
                client.client_name or client.client_id,
                f"OAuth client {client.client_name or client.client_id} registered ({client.registration_type})",
            )
        )
    for grant in facts.oauth.grants:
        who = names.get(grant.user, f"user {grant.user}")
        events.append(
            CalendarEvent(
                grant.last_activity.date(),
                "oauth-token",
                who,
                f"{grant.words} of {who} for client {grant.client} last {grant.moment_words}",
            )
        )
    return sorted(events, key=lambda e: (e.day, e.kind, e.who))


def calendar_view(facts: StackFacts, today: date) -> CalendarView:
    """A strip of days from two weeks ago to the last rotation or review (at most :data:`CALENDAR_MAX_DAYS`)."""
    events = calendar_events(facts, today)
    first = today - timedelta(days=CALENDAR_PAST_DAYS)
    wanted_last = max([e.day for e in events] + [today + timedelta(days=7)])
    last = min(wanted_last, first + timedelta(days=CALENDAR_MAX_DAYS - 1))
    days = (last - first).days + 1
    lanes = {lane: index for index, (lane, _) in enumerate(CALENDAR_LANES)}
    stacked: Counter[tuple[date, str]] = Counter()
    shapes = []
    clipped = 0
    for event in events:
        offset = (event.day - first).days
        if not 0 <= offset < days:
            clipped += 1
            continue
        level = stacked[(event.day, event.kind)]
        stacked[(event.day, event.kind)] += 1
        if level >= 3:
            continue  # the table lists them all; the strip shows at most three per day and lane
        x = LABEL_WIDTH + offset * CALENDAR_DAY_WIDTH + CALENDAR_DAY_WIDTH / 2
        y = 30 + lanes[event.kind] * 34 + level * 9
        shapes.append((x, y, event.kind, f"{event.day}: {event.text}"))
    ticks = tuple(
        (LABEL_WIDTH + offset * CALENDAR_DAY_WIDTH, f"{first + timedelta(days=offset):%b %d}")
        for offset in range(0, days, 14)
    )
    today_x = (
        LABEL_WIDTH + (today - first).days * CALENDAR_DAY_WIDTH + CALENDAR_DAY_WIDTH / 2
        if first <= today <= last
        else None
    )
    kinds = Counter(e.kind for e in events)
    upcoming = [e for e in events if e.kind == "rotation" and e.day >= today]
    summary = (
        f"Calendar from {first} to {last}: {kinds['rotation']} token rotations "
        f"({len(upcoming)} upcoming, the next on {upcoming[0].day} for {upcoming[0].who})"
        if upcoming
        else f"Calendar from {first} to {last}: {kinds['rotation']} token rotations (none upcoming)"
    )
    summary += (
        f"; {kinds['expiry']} members' access ending; monthly review on {facts.calendar.first_review}; "
        f"{kinds['oauth-client']} OAuth clients registered, {kinds['oauth-token']} OAuth grants."
    )
    return CalendarView(
        first=first,
        days=days,
        width=LABEL_WIDTH + days * CALENDAR_DAY_WIDTH + 10,
        height=30 + len(lanes) * 34 + 6,
        shapes=tuple(shapes),
        ticks=ticks,
        today_x=today_x,
        events=tuple(events),
        summary=summary,
        clipped=clipped,
    )

"""What one report page is made of: for each stack, the results the other commands compute, unchanged.

The gathering (:mod:`components.ops.report.run`) fills these from a real stack; the view
(:mod:`components.ops.report.view`) reads only them, so the page can be rendered from hand-built facts
(unit tests, the benchmark) as well as from live ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from components.directus.oauth import OAuthListing
from components.ops.audit.run import AuditResult
from components.ops.calendar.run import CalendarPlan
from components.ops.drift.run import DriftReport
from components.ops.review.matrix import StackMatrix


@dataclass(frozen=True)
class StackFacts:
    """One stack: its declared matrix, the drift check, the audit, the rotation calendar, the OAuth listing."""

    name: str
    matrix: StackMatrix
    drift: DriftReport
    audit: AuditResult
    calendar: CalendarPlan
    oauth: OAuthListing
    #: member name -> Directus user id (from the stack's outputs): links OAuth grants to members.
    user_ids: dict[str, str]
    #: member name -> when its access ends (the ``expires`` of the ``members`` output, for members that have one).
    expires: dict[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportFacts:
    made_at: datetime
    #: The project's git commit (``None``: not a git checkout), and whether the working tree had changes.
    commit: str | None
    dirty: bool
    tool_version: str
    stacks: list[StackFacts]

"""The audit's warning signs on hand-made activity rows: no Directus, no Pulumi, no clock."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from components.model.role_specs import stack_role_specs
from components.model.stack_config import parse_config
from components.names import APPROVAL_USER_AGENT
from components.ops.audit.rules import (
    Activity,
    AuditedMember,
    FindingKind,
    Rules,
    find_all,
    mass_deletions,
    outside_working_hours,
    password_logins,
    suspensions,
    write_sets,
    writes_outside_template,
)

BERLIN = ZoneInfo("Europe/Berlin")
_ids = itertools.count(1)
JOHN_ID = "11111111-1111-1111-1111-111111111111"
SARAH_ID = "22222222-2222-2222-2222-222222222222"


def rules(**audit: Any) -> Rules:
    return Rules.from_config(parse_config({"directusUrl": "http://d", "audit": audit}).audit)


def row(
    when: datetime, action: str = "update", collection: str = "articles", user: str = JOHN_ID, **extra: Any
) -> Activity:
    return Activity(
        id=next(_ids),
        action=action,
        collection=collection,
        item=extra.pop("item", "1"),
        timestamp=when,
        user=user,
        **extra,
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def members_of_local_like_stack(allow_deletes: bool = False) -> dict[str, AuditedMember]:
    """john (content) and sarah (analysis) on articles, with the write sets the real templates render."""
    config = parse_config(
        {
            "directusUrl": "http://d",
            "templates": {"content": {"collections": ["articles"]}, "analysis": {"collections": ["articles"]}},
            "members": [
                {"name": "john", "email": "john@company.com", "template": "content"},
                {"name": "sarah", "email": "sarah@company.com", "template": "analysis"},
            ],
            "mcp": {"allowDeletes": allow_deletes},
        }
    )
    specs = stack_role_specs(config, "unit")
    return {
        "john": AuditedMember("john", JOHN_ID, "content", True, write_sets(specs["content"].permission_rows())),
        "sarah": AuditedMember("sarah", SARAH_ID, "analysis", True, write_sets(specs["analysis"].permission_rows())),
    }


# --- mass deletions ---------------------------------------------------------------------------------------


def deletes(start: datetime, count: int, every: timedelta) -> list[Activity]:
    return [row(start + i * every, "delete", item=str(i)) for i in range(count)]


def test_one_delete_below_the_threshold_is_not_a_mass_deletion() -> None:
    john = members_of_local_like_stack(True)["john"]
    start = utc("2026-11-24T10:00:00")
    assert mass_deletions(john, deletes(start, 9, timedelta(minutes=1)), rules()) == []


def test_reaching_the_threshold_within_the_window_is_one_finding_with_the_count_and_span() -> None:
    john = members_of_local_like_stack(True)["john"]
    start = utc("2026-11-24T10:00:00")
    [finding] = mass_deletions(john, deletes(start, 10, timedelta(minutes=1)), rules())
    assert finding.kind is FindingKind.MASS_DELETION
    assert (finding.member, finding.action, finding.collection, finding.count) == ("john", "delete", "articles", 10)
    assert (finding.timestamp, finding.until) == (start, start + timedelta(minutes=9))
    assert "10 deletes (threshold 10 within 60 min)" in finding.detail


def test_the_window_boundary_is_inclusive_and_one_second_more_is_outside() -> None:
    john = members_of_local_like_stack(True)["john"]
    start = utc("2026-11-24T10:00:00")
    # 3 deletes exactly 30 minutes apart fit a 60-minute window ...
    assert len(mass_deletions(john, deletes(start, 3, timedelta(minutes=30)), rules(massDeleteThreshold=3))) == 1
    # ... but not 30 minutes and half a second apart.
    spread = deletes(start, 3, timedelta(minutes=30, milliseconds=500))
    assert mass_deletions(john, spread, rules(massDeleteThreshold=3)) == []


def test_slow_deletes_over_a_day_are_no_burst_but_two_separate_bursts_are_two_findings() -> None:
    john = members_of_local_like_stack(True)["john"]
    day = utc("2026-11-24T00:00:00")
    slow = deletes(day, 24, timedelta(hours=1))
    assert mass_deletions(john, slow, rules(massDeleteThreshold=3, massDeleteWindowMinutes=60)) == []
    bursts = deletes(day, 3, timedelta(seconds=1)) + deletes(day + timedelta(hours=5), 4, timedelta(seconds=1))
    found = mass_deletions(john, bursts, rules(massDeleteThreshold=3))
    assert [f.count for f in found] == [3, 4]


def test_creates_and_updates_do_not_count_as_deletes() -> None:
    john = members_of_local_like_stack(True)["john"]
    start = utc("2026-11-24T10:00:00")
    busy = [row(start + timedelta(seconds=i), action) for i, action in enumerate(["create", "update"] * 20)]
    assert mass_deletions(john, busy, rules(massDeleteThreshold=2)) == []


# --- writes outside the template --------------------------------------------------------------------------


def test_content_writes_on_its_collections_and_files_are_inside_the_template() -> None:
    john = members_of_local_like_stack()["john"]
    when = utc("2026-11-24T10:00:00")
    rows = [row(when, "create"), row(when, "update"), row(when, "create", "directus_files")]
    assert writes_outside_template(john, rows) == []


def test_a_write_on_another_collection_names_member_collection_action_and_what_the_template_grants() -> None:
    john = members_of_local_like_stack()["john"]
    [finding] = writes_outside_template(john, [row(utc("2026-11-24T10:00:00"), "create", "internal_notes", item="7")])
    assert (finding.kind, finding.member, finding.action, finding.collection, finding.item) == (
        FindingKind.OUTSIDE_TEMPLATE,
        "john",
        "create",
        "internal_notes",
        "7",
    )
    assert finding.detail == "template 'content' grants no write on internal_notes"


def test_a_delete_is_outside_the_content_template_while_the_stack_has_deletes_off() -> None:
    john = members_of_local_like_stack(allow_deletes=False)["john"]
    [finding] = writes_outside_template(john, [row(utc("2026-11-24T10:00:00"), "delete")])
    assert finding.detail == "template 'content' grants create, update on articles"
    assert (
        writes_outside_template(members_of_local_like_stack(True)["john"], [row(utc("2026-11-24T10:00:00"), "delete")])
        == []
    )


def test_analysis_may_write_nothing_at_all_and_reads_or_logins_are_not_writes() -> None:
    sarah = members_of_local_like_stack()["sarah"]
    when = utc("2026-11-24T10:00:00")
    found = writes_outside_template(sarah, [row(when, "update", user=SARAH_ID), row(when, "login", "directus_users")])
    assert [(f.action, f.collection) for f in found] == [("update", "articles")]
    assert sarah.writes == {}


def test_the_suspension_by_directus_is_not_reported_as_a_write_on_directus_users() -> None:
    sarah = members_of_local_like_stack()["sarah"]
    suspended = row(
        utc("2026-11-24T10:00:00"), "update", "directus_users", user=SARAH_ID, item=SARAH_ID, new_status="suspended"
    )
    assert writes_outside_template(sarah, [suspended]) == []
    other_update = row(
        utc("2026-11-24T10:00:00"), "update", "directus_users", user=SARAH_ID, item=SARAH_ID, new_status=None
    )
    assert len(writes_outside_template(sarah, [other_update])) == 1


# --- working hours ----------------------------------------------------------------------------------------


def test_no_working_hours_configured_means_no_check() -> None:
    john = members_of_local_like_stack()["john"]
    assert outside_working_hours(john, [row(utc("2026-11-29T03:00:00"))], rules()) == []


def test_working_hours_are_local_time_across_the_spring_dst_change() -> None:
    """Berlin: CET (UTC+1) until Sun 2026-03-29 02:00, then CEST (UTC+2). Hours 08:00-19:00, Mon-Fri."""
    berlin = rules(timezone="Europe/Berlin", workingHours="08:00-19:00")
    john = members_of_local_like_stack()["john"]
    cases = {
        utc("2026-03-27T06:30:00"): False,  # Fri 07:30 CET: before 08:00
        utc("2026-03-27T07:00:00"): True,  # Fri 08:00 CET: the first minute
        utc("2026-03-27T17:59:59"): True,  # Fri 18:59:59 CET
        utc("2026-03-27T18:00:00"): False,  # Fri 19:00 CET: the end is excluded
        utc("2026-03-30T06:30:00"): True,  # Mon 08:30 CEST: same UTC hour as Friday's 07:30, now inside
        utc("2026-03-30T17:30:00"): False,  # Mon 19:30 CEST: would be 18:30 (inside) with Friday's offset
        utc("2026-03-29T10:00:00"): False,  # Sunday noon: not a work day
    }
    for moment, inside in cases.items():
        assert berlin.within_working_hours(moment) is inside, moment.astimezone(BERLIN)
    found = outside_working_hours(john, [row(m) for m in cases], berlin)
    assert len(found) == 4
    assert found[0].detail == "Fri 07:30 CET, outside working hours"
    assert berlin.describe_hours() == "08:00-19:00 Mon-Fri (Europe/Berlin)"
    assert any("Mon 19:30 CEST" in f.detail for f in found)


def test_autumn_dst_change_and_the_repeated_hour() -> None:
    """Berlin goes back from CEST to CET on Sun 2026-10-25; Mon 26th 06:30 UTC is 07:30 CET (outside)."""
    berlin = rules(timezone="Europe/Berlin", workingHours="08:00-19:00")
    assert berlin.within_working_hours(utc("2026-10-23T06:30:00")) is True  # Fri 08:30 CEST
    assert berlin.within_working_hours(utc("2026-10-26T06:30:00")) is False  # Mon 07:30 CET


def test_weekend_work_days_and_hours_spanning_midnight() -> None:
    night = rules(timezone="America/New_York", workingHours="22:00-06:00", workDays=["sat", "sun"])
    assert night.within_working_hours(utc("2026-11-29T04:00:00")) is True  # Sat 23:00 EST
    assert night.within_working_hours(utc("2026-11-30T09:00:00")) is True  # Mon 04:00 EST: Sunday's shift
    assert night.within_working_hours(utc("2026-11-28T09:00:00")) is False  # Sat 04:00 EST: Friday's shift
    assert night.within_working_hours(utc("2026-11-29T20:00:00")) is False  # Sun 15:00 EST
    weekdays = rules(workingHours="00:00-24:00")
    assert weekdays.within_working_hours(utc("2026-11-27T23:59:59")) is True  # Friday, all day
    assert weekdays.within_working_hours(utc("2026-11-28T00:00:00")) is False  # Saturday


# --- suspensions and logins -------------------------------------------------------------------------------


def with_status(member: AuditedMember, status: str | None, enabled: bool = True) -> AuditedMember:
    return AuditedMember(member.name, member.user_id, member.template, enabled, member.writes, status)


def test_suspension_after_failed_logins_names_the_member_time_and_ip() -> None:
    sarah = with_status(members_of_local_like_stack()["sarah"], "suspended")
    when = utc("2026-11-24T10:00:00")
    event = row(
        when, "update", "directus_users", user=SARAH_ID, item=SARAH_ID, new_status="suspended", ip="203.0.113.9"
    )
    [finding] = suspensions(sarah, [event])
    assert (finding.kind, finding.member, finding.timestamp, finding.collection) == (
        FindingKind.SUSPENDED,
        "sarah",
        when,
        "directus_users",
    )
    assert "after repeated failed password logins" in finding.detail and "203.0.113.9" in finding.detail


def test_suspended_although_declared_enabled_is_a_finding_even_without_an_event_in_the_period() -> None:
    sarah = members_of_local_like_stack()["sarah"]
    [finding] = suspensions(with_status(sarah, "suspended"), [])
    assert finding.timestamp is None and "declared enabled but suspended" in finding.detail
    assert suspensions(with_status(sarah, "suspended", enabled=False), []) == []  # disabled on purpose
    assert suspensions(with_status(sarah, "active"), []) == []


def test_a_suspension_in_the_period_is_reported_even_if_someone_reactivated_the_user() -> None:
    sarah = with_status(members_of_local_like_stack()["sarah"], "active")
    event = row(
        utc("2026-11-24T10:00:00"), "update", "directus_users", user=SARAH_ID, item=SARAH_ID, new_status="suspended"
    )
    [finding] = suspensions(sarah, [event])
    assert "live status now 'active'" in finding.detail


def test_a_password_login_of_a_token_only_user_is_a_finding() -> None:
    john = members_of_local_like_stack()["john"]
    [finding] = password_logins(john, [row(utc("2026-11-24T10:00:00"), "login", "directus_users", item=JOHN_ID)])
    assert finding.kind is FindingKind.PASSWORD_LOGIN and finding.member == "john"


def test_an_oauth_member_s_password_login_is_exempt_only_when_it_is_the_approval_s_own() -> None:
    """``oauth-approve`` logs in with its own user agent; any other password login of an OAuth member (someone set a
    password by hand, or one was left behind and used) is a finding."""
    john = replace(members_of_local_like_stack()["john"], auth="oauth")
    approval = row(utc("2026-11-24T10:00:00"), "login", "directus_users", item=JOHN_ID, user_agent=APPROVAL_USER_AGENT)
    other = row(utc("2026-11-24T11:00:00"), "login", "directus_users", item=JOHN_ID, user_agent="curl/8.5.0")
    [finding] = password_logins(john, [approval, other])
    assert finding.kind is FindingKind.PASSWORD_LOGIN and finding.timestamp == other.timestamp
    assert "outside `mcp-access oauth-approve`" in finding.detail


# --- everything together ----------------------------------------------------------------------------------


def test_find_all_attributes_rows_to_their_member_and_orders_by_kind_then_time() -> None:
    members = members_of_local_like_stack()
    late = utc("2026-11-24T22:00:00")  # 23:00 in Berlin
    rows = [
        row(late, "create", "internal_notes"),
        row(utc("2026-11-24T10:00:00"), "create", user=SARAH_ID),
        row(utc("2026-11-24T10:00:01"), "create"),  # john, inside everything
        row(utc("2026-11-24T10:00:02"), "create", "articles", user="33333333-0000-0000-0000-000000000000"),  # unmanaged
    ]
    found = find_all(members.values(), rows, rules(timezone="Europe/Berlin", workingHours="08:00-19:00"))
    assert [(f.kind, f.member, f.collection) for f in found] == [
        (FindingKind.OUTSIDE_TEMPLATE, "sarah", "articles"),
        (FindingKind.OUTSIDE_TEMPLATE, "john", "internal_notes"),
        (FindingKind.OUTSIDE_HOURS, "john", "internal_notes"),
    ]


@pytest.mark.parametrize(
    ("audit", "expected"),
    [
        ({"timezone": "Asia/Kathmandu", "workingHours": "09:30-17:15"}, "09:30-17:15 Mon-Fri (Asia/Kathmandu)"),
        ({"workingHours": "00:00-24:00", "workDays": ["sun", "mon", "sat", "tue", "fri", "wed", "thu"]}, "every day"),
        ({"workingHours": "22:00-06:00", "workDays": ["mon", "wed"]}, "22:00-06:00 Mon, Wed (UTC)"),
        ({}, "not configured"),
    ],
)
def test_describe_hours(audit: dict[str, Any], expected: str) -> None:
    assert expected in rules(**audit).describe_hours()

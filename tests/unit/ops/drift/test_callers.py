"""``drift``'s allowlist check: when it can tell (allowlist, recorder on, extension running), one grouped read of
the log collection; otherwise it says once why not and how to let it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx

from components.directus.client import DirectusClient
from components.model.stack_config import StackConfig, parse_config
from components.ops.drift.callers import caller_check
from components.ops.drift.recorder import ExtensionStatus
from components.ops.drift.render import to_json, to_markdown
from components.ops.drift.run import DriftReport

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
DEPLOYED = {"ann": {"userId": "u-ann"}, "bob": {"userId": "u-bob"}}
RUNNING = ExtensionStatus(installed=True, expected="1.0.0", version="1.0.0", enabled=True)
MISSING = ExtensionStatus(installed=False, expected="1.0.0")


def config(allowlist: list[str] | None = None, recorder: bool = True) -> StackConfig:
    return parse_config(
        {
            "directusUrl": "https://cms.example.com",
            "members": [
                {"name": "ann", "email": "ann@company.com", "template": "content"},
                {"name": "bob", "email": "bob@company.com", "template": "content"},
                {"name": "cid", "email": "cid@company.com", "template": "content", "enabled": False},
            ],
            "ipAllowlist": allowlist or [],
            "recorder": {"enabled": recorder},
        },
        templates=["content"],
    )


class FakeLog:
    """Answers the grouped read as PostgreSQL does (bigint and count as strings); records each request."""

    def __init__(self, rows: list[dict[str, Any]], status: int = 200) -> None:
        self.rows, self.status, self.requests = rows, status, list[httpx.Request]()

    def client(self) -> DirectusClient:
        def handler(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            if self.status != 200:
                body = {"errors": [{"message": "no", "extensions": {"code": "FORBIDDEN"}}]}
                return httpx.Response(self.status, json=body)
            return httpx.Response(200, json={"data": self.rows})

        return DirectusClient("http://d", "admin", transport=httpx.MockTransport(handler))


def grouped(user: str, ip: str, count: int, at: datetime) -> dict[str, Any]:
    return {"user": user, "ip": ip, "count": str(count), "max": {"at_ms": str(int(at.timestamp() * 1000))}}


def test_a_member_calling_from_outside_is_one_finding_read_in_one_grouped_request() -> None:
    log = FakeLog([grouped("u-bob", "192.168.1.9", 3, NOW), grouped("u-ann", "10.20.1.1", 8, NOW)])
    check = caller_check(log.client(), config(["10.20.0.0/16"]), DEPLOYED, NOW, RUNNING)
    assert check.note is None
    (finding,) = check.findings
    assert finding.subject == "bob" and "192.168.1.9 (3 requests, last 2026-12-07 12:00 UTC)" in finding.message
    (request,) = log.requests
    params = dict(request.url.params)
    assert request.url.path == "/items/mcp_access_log"
    assert params["groupBy"] == "user,ip" and params["aggregate[count]"] == "*"
    assert params["filter[user][_in]"] == "u-ann,u-bob"  # the disabled member is not asked about
    assert params["filter[at_ms][_gte]"] == str(int(datetime(2026, 11, 30, 12, 0, tzinfo=UTC).timestamp() * 1000))


def test_without_an_allowlist_nothing_is_read_or_said() -> None:
    log = FakeLog([])
    check = caller_check(log.client(), config([]), DEPLOYED, NOW, MISSING)
    assert check.findings == [] and check.note is None and log.requests == []


def test_without_the_extension_it_says_it_cannot_tell_and_how_to_let_it() -> None:
    log = FakeLog([])
    check = caller_check(log.client(), config(["10.20.0.0/16"], recorder=False), DEPLOYED, NOW, MISSING)
    assert log.requests == [] and check.findings == []
    assert check.note is not None
    assert "cannot be told: the recorder extension is not installed on this Directus" in check.note
    assert "`mcp-access extension --out DIR`" in check.note and "set recorder.enabled: true" in check.note


def test_with_the_extension_but_the_recorder_off_only_the_missing_step_is_named() -> None:
    check = caller_check(FakeLog([]).client(), config(["10.20.0.0/16"], recorder=False), DEPLOYED, NOW, RUNNING)
    assert check.note is not None and "the stack's recorder is off" in check.note
    assert "mcp-access extension" not in check.note and "set recorder.enabled: true" in check.note


def test_a_disabled_extension_is_to_be_enabled_not_written_again() -> None:
    disabled = ExtensionStatus(installed=True, expected="1.0.0", version="1.0.0", enabled=False)
    check = caller_check(FakeLog([]).client(), config(["10.20.0.0/16"]), DEPLOYED, NOW, disabled)
    assert (
        check.note is not None
        and "installed but disabled on this Directus. To let it: enable the extension in " in (check.note)
    )
    assert "mcp-access extension" not in check.note


def test_a_log_this_token_cannot_read_is_said_not_guessed() -> None:
    check = caller_check(FakeLog([], status=403).client(), config(["10.20.0.0/16"]), DEPLOYED, NOW, RUNNING)
    assert check.findings == []
    assert check.note is not None and "'mcp_access_log' could not be read (403 FORBIDDEN)" in check.note
    assert "provisioning (admin) token" in check.note


def report(**extra: Any) -> DriftReport:
    fields: dict[str, Any] = {"ip_allowlist": ["10.20.0.0/16"], **extra}
    return DriftReport(stack="unit", directus_url="http://d", checked_at=NOW, warn_days=14, **fields)


def test_the_report_counts_each_member_outside_as_a_finding_and_says_when_it_could_not_tell() -> None:
    log = FakeLog([grouped("u-bob", "192.168.1.9", 3, NOW)])
    found = caller_check(log.client(), config(["10.20.0.0/16"]), DEPLOYED, NOW, RUNNING).findings
    outside = report(outside_allowlist=found)
    assert outside.exit_code == 1
    assert "### Requests from outside the ip allowlist\n\n- ⚠ member bob: 3 recorded requests" in to_markdown(outside)
    assert json.loads(to_json(outside))["outsideIpAllowlist"][0]["subject"] == "bob"
    clean = to_markdown(report())
    assert "None: no enabled member's request recorded in the last 7 days came from outside 10.20.0.0/16." in clean
    blind = report(callers_note="whether members' requests come from outside the ipAllowlist cannot be told: x")
    assert blind.exit_code == 0 and "Not checked: whether members' requests" in to_markdown(blind)
    assert "Requests from outside" not in to_markdown(report(ip_allowlist=[]))

"""``mcp-access drift``: the monthly check. Read-only; exit 0 clean, 1 drift or findings, 2 error.

Four questions, one report (and more findings: expiry, unused access, flows, OAuth, the server):
1. Do the managed objects still match the code? (what a preview with refresh plans: computed in this process by
   :mod:`components.ops.drift.plan`, or, with ``engine=True``, by the engine: :mod:`components.ops.drift.preview`)
2. Does Directus grant access that no code declares? (whole listings: :mod:`components.ops.drift.scan`)
3. Which tokens are past, or close to, their rotation date? (the stack outputs)
4. Do members call from outside the stack's ip allowlist? (the recorder's log: :mod:`components.ops.drift.callers`)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from components import kinds
from components.directus.client import DirectusClient
from components.directus.oauth import OAuthListing, read_oauth
from components.directus.version import server_info
from components.engine.deployed import admin_client, members_of, stack_settings, stack_templates
from components.errors import McpAccessError
from components.kinds import ACCESS_PATH, PERMISSIONS_PATH, POLICIES_PATH, POLICY, ROLE, ROLES_PATH, USER, USERS_PATH
from components.model.clock import now as clock_now
from components.model.stack_config import StackConfig
from components.names import kind_of_type
from components.ops.drift.callers import caller_check
from components.ops.drift.expiry import expiry_findings
from components.ops.drift.flows import FLOWS_COLLECTION, escalating_flows
from components.ops.drift.oauth import inventory, members_by_state, oauth_findings
from components.ops.drift.plan import Replay, planned_steps
from components.ops.drift.preview import drifted_resources
from components.ops.drift.recorder import ExtensionStatus, extension_status
from components.ops.drift.scan import (
    PUBLIC_POLICY_NAME,
    Declared,
    Finding,
    LiveDirectus,
    other_stacks,
    rotation_findings,
    scan,
    server_findings,
)
from components.ops.drift.stale import stale_findings
from components.ops.drift.state import StackState, read_state
from components.ops.drift.wording import DriftedResource, drifted
from components.redaction import redact

DEFAULT_ROTATION_WARNING_DAYS = 14


class DriftError(McpAccessError):
    """The check could not run (no state yet, preview failed): exit code 2."""


@dataclass
class DriftReport:
    stack: str
    directus_url: str
    checked_at: datetime
    warn_days: int
    drifted: list[DriftedResource] = field(default_factory=list)
    undeclared: list[Finding] = field(default_factory=list)
    rotation: list[Finding] = field(default_factory=list)
    #: OAuth grants that should not exist and clients unused for ``unused_client_days``.
    oauth: list[Finding] = field(default_factory=list)
    #: Every OAuth client with its grants, in words (``None``: the server runs without OAuth, or see below).
    oauth_inventory: list[str] | None = None
    #: ``False``: the OAuth clients are admin only and this run's token is not an admin's (the guard user's).
    oauth_readable: bool = True
    unused_client_days: int = 30
    #: Active manual flows a member can trigger whose operations run with more rights than the member.
    flows: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    #: The version ``/server/info`` reports (``None``: it did not say), and its known problems for this stack.
    directus_version: str | None = None
    server: list[Finding] = field(default_factory=list)
    #: Expired and soon-expiring members, running and ended elevations (:mod:`components.ops.drift.expiry`).
    expiry: list[Finding] = field(default_factory=list)
    #: Active members with no recorded sign of use for ``review.staleAfterDays`` (:mod:`...drift.stale`).
    stale: list[Finding] = field(default_factory=list)
    stale_after_days: int = 60
    #: Objects other stacks on the same Directus manage (by their markers): listed, not findings.
    other_stacks: dict[str, list[str]] = field(default_factory=dict)
    #: The listings the scan read and what the state declares (``watch`` decides its enforcement on them).
    live: LiveDirectus | None = field(default=None, repr=False)
    declared: Declared | None = field(default=None, repr=False)
    #: The recorder extension on this Directus (``GET /extensions``), and whether the stack expects it.
    recorder: ExtensionStatus | None = None
    recorder_expected: bool = False
    #: The stack's ``ipAllowlist``; enabled members whose recorded requests came from outside it
    #: (:mod:`components.ops.drift.callers`: ``drift`` only, not each check of ``watch``), or why that cannot be told.
    ip_allowlist: list[str] = field(default_factory=list)
    outside_allowlist: list[Finding] = field(default_factory=list)
    callers_note: str | None = None

    @property
    def recorder_finding(self) -> bool:
        """The stack's recorder is on but the expected version does not run here."""
        return self.recorder_expected and self.recorder is not None and not self.recorder.ok

    @property
    def findings(self) -> int:
        return (
            int(self.recorder_finding)
            + len(self.drifted)
            + len(self.undeclared)
            + len(self.rotation)
            + len(self.server)
            + len(self.oauth)
            + len(self.flows)
            + len(self.expiry)
            + len(self.stale)
            + len(self.outside_allowlist)
        )

    @property
    def exit_code(self) -> int:
        return 1 if self.findings else 0


def declared_in_state(
    stack: auto.Stack,
    resources: list[dict[str, Any]],
    client: DirectusClient,
    outputs: Mapping[str, auto.OutputValue] | None = None,
) -> Declared:
    """The ids this stack manages (from its state's ``resources``) and the provisioning user (``/users/me``).

    Run with the guard token (``/users/me`` is the stack's guard user), the provisioning user is the one ``up``
    recorded in the ``provisioner`` output.
    """
    ids: dict[str, set[str]] = {kind.name: set() for kind in kinds.KINDS if kind.scanned}
    for resource in resources:
        kind = kind_of_type(str(resource.get("type", "")))
        if kind in ids and resource.get("id"):
            ids[kind].add(str(resource["id"]))
    me = client.get(f"{USERS_PATH}/me", {"fields": "id,role"}) or {}
    guard = outputs.get("guard") if outputs else None
    recorded = outputs.get("provisioner") if outputs else None
    if guard is not None and recorded is not None and me.get("id") and me.get("id") == guard.value.get("userId"):
        me = {"id": recorded.value.get("userId"), "role": recorded.value.get("roleId")}
    return Declared(
        stack=stack.name,
        user_ids=frozenset(ids[USER.name]),
        role_ids=frozenset(ids[ROLE.name]),
        policy_ids=frozenset(ids[POLICY.name]),
        provisioning_user=str(me.get("id")) if me.get("id") else None,
        provisioning_role=str(me.get("role")) if me.get("role") else None,
        ids={name: frozenset(found) for name, found in ids.items()},
    )


def read_live(client: DirectusClient) -> LiveDirectus:
    """One listing per object kind; Public's permissions are those of its built-in policy."""
    policies = client.list_objects(POLICIES_PATH, fields=["id", "name", "admin_access", "app_access", "description"])
    public = [p for p in policies if p.get("name") == PUBLIC_POLICY_NAME]
    permissions = (
        client.list_objects(
            PERMISSIONS_PATH, filter={"policy": {"_in": [p["id"] for p in public]}}, fields=["collection", "action"]
        )
        if public
        else []
    )
    return LiveDirectus(
        users=client.list_objects(USERS_PATH, fields=["id", "email", "status", "role", "token", "tags", "password"]),
        roles=client.list_objects(ROLES_PATH, fields=["id", "name"]),
        policies=policies,
        access=client.list_objects(ACCESS_PATH, fields=["id", "role", "user", "policy"]),
        public_permissions=permissions,
    )


def read_flows(client: DirectusClient) -> tuple[list[dict[str, Any]], list[str]]:
    """Flows with their operations, and the policies that may read ``directus_flows`` (may trigger them)."""
    flows = client.list_objects(
        "/flows",
        fields=[
            "id",
            "name",
            "status",
            "trigger",
            "operations.key",
            "operations.name",
            "operations.type",
            "operations.options",
        ],
    )
    readers = client.list_objects(
        PERMISSIONS_PATH,
        filter={"collection": {"_eq": FLOWS_COLLECTION}, "action": {"_eq": "read"}},
        fields=["policy"],
    )
    return flows, sorted({str(r["policy"]) for r in readers if r.get("policy")})


@dataclass
class DriftContext:
    """What a drift check reads once from the engine: the state (with the stack's outputs), the validated config,
    its raw values (the providers' connection) and a client. ``mcp-access watch`` holds one across many checks and
    reloads it at each resync; ``drift`` builds one per run. Holds secrets: never print it.
    """

    stack: auto.Stack
    state: StackState
    outputs: dict[str, auto.OutputValue]
    config: StackConfig
    values: dict[str, str]
    client: DirectusClient
    templates: Path
    #: The program's registrations, replayed by the next checks of this context (``watch``): see :class:`Replay`.
    replay: Replay = field(default_factory=Replay)

    def __repr__(self) -> str:  # never show values
        return f"DriftContext(stack={self.stack.name!r})"


def load_context(stack: auto.Stack) -> DriftContext:
    """Two ``pulumi`` CLI calls, side by side: the state (``stack export``, which also holds the stack's outputs)
    and the config."""
    with ThreadPoolExecutor(max_workers=1) as side:
        settings = side.submit(stack_settings, stack)
        state = read_state(stack)
        outputs = state.outputs()  # "run `up` first" before any complaint about the config
        config, values = settings.result()
    return DriftContext(stack, state, outputs, config, values, admin_client(values), stack_templates(stack))


def run_drift(
    stack: auto.Stack,
    *,
    warn_days: int = DEFAULT_ROTATION_WARNING_DAYS,
    now: datetime | None = None,
    on_output: Callable[[str], None] | None = None,
    engine: bool = False,
) -> DriftReport:
    """The drift report.

    The managed objects are compared in this process (:mod:`components.ops.drift.plan`); ``engine=True`` runs the
    engine's ``preview --refresh`` instead (slower; the cross-check), whose output goes to ``on_output``
    (``--verbose``).
    """
    context = load_context(stack)
    report = evaluate(context, warn_days=warn_days, now=now, on_output=on_output, engine=engine)
    callers = caller_check(
        context.client, context.config, members_of(context.outputs), report.checked_at, report.recorder
    )
    return replace(report, outside_allowlist=callers.findings, callers_note=callers.note)


def evaluate(
    context: DriftContext,
    *,
    warn_days: int = DEFAULT_ROTATION_WARNING_DAYS,
    now: datetime | None = None,
    on_output: Callable[[str], None] | None = None,
    engine: bool = False,
) -> DriftReport:
    """The drift report of a loaded context: the part ``watch`` repeats. Every read of Directus happens here but
    the allowlist check's (:func:`run_drift` adds it: a watch does not read the log collection at each check)."""
    stack, state, outputs, config, values, client = (
        context.stack,
        context.state,
        context.outputs,
        context.config,
        context.values,
        context.client,
    )
    declared = declared_in_state(stack, state.raw, client, outputs)
    info = server_info(client)
    if engine or state.has_untyped:  # a state from before the kinds were named: the engine resolves its aliases
        try:
            drifted_items = drifted_resources(stack, state.urns, on_output)
        except auto.CommandError as exc:
            raise DriftError(f"the refreshed preview of stack {stack.name!r} failed:\n{redact(str(exc))}") from None
    else:
        steps = planned_steps(state, config, values, client, info, context.templates, replay=context.replay)
        drifted_items = drifted(steps, state.urns)
    live = read_live(client)
    oauth = config.mcp.oauth
    declared_oauth = {
        "mcp_oauth_enabled": oauth.enabled,
        "mcp_oauth_dcr_enabled": oauth.dynamic_client_registration,
        "mcp_oauth_cimd_enabled": oauth.client_id_metadata,
    }
    checked_at = now or clock_now()
    members = members_by_state(members_of(outputs))
    listing: OAuthListing = read_oauth(client)
    flows, flow_readers = read_flows(client)
    return DriftReport(
        stack=stack.name,
        directus_url=config.directus_url,
        checked_at=checked_at,
        warn_days=warn_days,
        drifted=drifted_items,
        undeclared=scan(live, declared),
        rotation=rotation_findings(members_of(outputs), checked_at, warn_days),
        expiry=expiry_findings(config, checked_at, warn_days),
        stale=stale_findings(client, config, members_of(outputs), checked_at),
        stale_after_days=config.review.stale_after_days,
        other_stacks=other_stacks(live, declared),
        oauth=oauth_findings(
            listing, live, declared, members, now=checked_at, unused_days=config.oauth_review.unused_client_days
        ),
        oauth_inventory=inventory(listing, live) if listing.available else None,
        oauth_readable=listing.readable,
        unused_client_days=config.oauth_review.unused_client_days,
        flows=escalating_flows(flows, live, members.enabled, flow_readers, config.directus_url),
        counts={
            "managed objects": sum(len(found) for found in declared.ids.values()),
            "users": len(live.users),
            "policies": len(live.policies),
            "access rows": len(live.access),
            "OAuth clients": len(listing.clients),
            "OAuth grants": len(listing.grants),
            "flows": len(flows),
        },
        directus_version=str(info.version) if info.version else None,
        server=server_findings(info.version, config.ip_allowlist, server=info, oauth_declared=declared_oauth),
        live=live,
        declared=declared,
        recorder=extension_status(client),
        recorder_expected=config.recorder.enabled,
        ip_allowlist=list(config.ip_allowlist),
    )

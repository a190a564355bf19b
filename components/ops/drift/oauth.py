"""The OAuth half of ``drift``: every OAuth client and grant of Directus's MCP OAuth server, and what is wrong.

An OAuth access token acts as the user who approved the consent. A grant held by a personal admin account
gives an assistant admin rights; a grant of a disabled or removed member should not exist at all; a client
nobody used for weeks is an open door nobody watches. Pure functions of listings read by
:mod:`components.directus.oauth`: no HTTP here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from components.directus.oauth import OAuthClient, OAuthGrant, OAuthListing
from components.ops.drift.scan import Declared, Finding, LiveDirectus, stack_tag_of

OAUTH_ADMIN_GRANT = "oauth-admin-grant"
OAUTH_UNDECLARED_GRANT = "oauth-undeclared-grant"
OAUTH_MEMBER_GONE_GRANT = "oauth-disabled-or-removed-member-grant"
OAUTH_UNUSED_CLIENT = "oauth-unused-client"


@dataclass(frozen=True)
class OAuthMembers:
    """Who the stack's MCP users are, from its outputs: enabled ones and disabled ones (user id -> member)."""

    enabled: Mapping[str, str]
    disabled: Mapping[str, str]


def admin_users(live: LiveDirectus) -> frozenset[str]:
    """Users holding an admin_access policy, through their role or directly."""
    admin_policies = {str(p["id"]) for p in live.policies if p.get("admin_access") is True}
    admin_roles = {str(r["role"]) for r in live.access if r.get("role") and str(r.get("policy")) in admin_policies}
    direct = {str(r["user"]) for r in live.access if r.get("user") and str(r.get("policy")) in admin_policies}
    by_role = {str(u["id"]) for u in live.users if u.get("role") and str(u["role"]) in admin_roles}
    return frozenset(direct | by_role)


def _last_used(client: OAuthClient, grants: Iterable[OAuthGrant]) -> datetime:
    """A token is issued (and re-issued on every refresh) with a new ``date_created``: the last one is the last use."""
    moments = [g.last_activity for g in grants if g.client == client.client_id and g.kind == "token"]
    return max([client.date_created, *moments])


def grant_findings(
    listing: OAuthListing, live: LiveDirectus, declared: Declared, members: OAuthMembers
) -> list[Finding]:
    """(a) grants of users that are no declared MCP user, above all admins; (c) grants of disabled/removed members."""
    emails = {str(u["id"]): str(u.get("email") or u["id"]) for u in live.users}
    removed = _removed_members(live, declared)
    admins = admin_users(live)
    clients = {c.client_id: c for c in listing.clients}
    findings = []
    for grant in listing.grants:
        who = emails.get(grant.user, grant.user)
        what = f"{grant.words} for client {_client_words(clients.get(grant.client), grant.client)}"
        if grant.user in members.disabled:
            findings.append(
                Finding(
                    OAUTH_MEMBER_GONE_GRANT,
                    who,
                    f"{what} is held by disabled member {members.disabled[grant.user]} ({who}): `up` revokes it",
                )
            )
        elif grant.user in removed:
            findings.append(
                Finding(OAUTH_MEMBER_GONE_GRANT, who, f"{what} is held by removed member user {who}: `up` revokes it")
            )
        elif grant.user in admins:
            findings.append(
                Finding(
                    OAUTH_ADMIN_GRANT,
                    who,
                    f"{what} is held by {who}, a user with admin access: an assistant acting with admin rights",
                )
            )
        elif grant.user not in members.enabled:
            findings.append(
                Finding(OAUTH_UNDECLARED_GRANT, who, f"{what} is held by {who}, who is no MCP user of this stack")
            )
    return findings


def unused_clients(listing: OAuthListing, now: datetime, days: int) -> list[Finding]:
    """(b) clients with no token issued or refreshed within ``days`` (nor registered within them)."""
    findings = []
    for client in listing.clients:
        last = _last_used(client, listing.grants)
        if now - last >= timedelta(days=days):
            findings.append(
                Finding(
                    OAUTH_UNUSED_CLIENT,
                    client.client_id,
                    f"OAuth client {_client_words(client, client.client_id)} unused for {(now - last).days} days "
                    f"(last used {last:%Y-%m-%d}; limit {days} days): delete it if nobody needs it",
                )
            )
    return findings


def inventory(listing: OAuthListing, live: LiveDirectus) -> list[str]:
    """One line per client: how it registered, when, when last used, and each grant with who approved it."""
    emails = {str(u["id"]): str(u.get("email") or u["id"]) for u in live.users}
    lines = []
    for client in sorted(listing.clients, key=lambda c: c.date_created):
        grants = [g for g in listing.grants if g.client == client.client_id]
        held = "; ".join(
            f"{g.kind} of {emails.get(g.user, g.user)} ({g.moment_words} {g.last_activity:%Y-%m-%d %H:%M})"
            for g in sorted(grants, key=lambda g: (g.user, g.kind))
        )
        lines.append(
            f"{_client_words(client, client.client_id)}: {client.registration_type}, registered "
            f"{client.date_created:%Y-%m-%d}, last used {_last_used(client, grants):%Y-%m-%d %H:%M}; "
            + (held or "no grant")
        )
    return lines


def _client_words(client: OAuthClient | None, client_id: str) -> str:
    return f"{client.client_name!r} ({client_id})" if client else client_id


def _removed_members(live: LiveDirectus, declared: Declared) -> frozenset[str]:
    """Users tagged for this stack that its state no longer manages (a removed member kept archived)."""
    return frozenset(
        str(u["id"]) for u in live.users if stack_tag_of(u) == declared.stack and str(u["id"]) not in declared.user_ids
    )


def oauth_findings(
    listing: OAuthListing,
    live: LiveDirectus,
    declared: Declared,
    members: OAuthMembers,
    *,
    now: datetime,
    unused_days: int,
) -> list[Finding]:
    return [*grant_findings(listing, live, declared, members), *unused_clients(listing, now, unused_days)]


def members_by_state(members: Mapping[str, Mapping[str, object]]) -> OAuthMembers:
    """Split the stack's ``members`` output into enabled and disabled MCP users."""
    enabled = {str(i["userId"]): n for n, i in members.items() if i.get("enabled", True)}
    disabled = {str(i["userId"]): n for n, i in members.items() if not i.get("enabled", True)}
    return OAuthMembers(enabled=enabled, disabled=disabled)


__all__: Sequence[str] = [
    "OAUTH_ADMIN_GRANT",
    "OAUTH_MEMBER_GONE_GRANT",
    "OAUTH_UNDECLARED_GRANT",
    "OAUTH_UNUSED_CLIENT",
    "OAuthMembers",
    "inventory",
    "members_by_state",
    "oauth_findings",
]

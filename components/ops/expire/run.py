"""``expire`` against a deployed stack: one listing of the due members' users, then one ``PATCH /users/:id`` per
member that still has something to end (status, token and role together, so a crash leaves a member either
ended or untouched). OAuth clients only an expired member holds tokens on are deleted, as ``revoke`` does (one
listing for all). No engine run, no state change: the next ``up`` (with refresh) finds the users as it would
have left them and plans no change to them; it only drops the expired members' token resources from the state.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.directus.oauth import delete_clients, read_oauth
from components.directus.usage import USERS_PER_QUERY
from components.engine.deployed import admin_client, deployed_outputs, members_of, stack_settings
from components.model.clock import iso
from components.model.clock import now as clock_now
from components.ops.expire.plan import Due, due


@dataclass
class Expired:
    """What one ``expire`` run ended (``ended``), found already ended (``unchanged``), and how long it took."""

    stack: str
    checked_at: datetime
    ended: list[Due] = field(default_factory=list)
    unchanged: list[Due] = field(default_factory=list)
    missing: list[Due] = field(default_factory=list)
    oauth_clients: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        lines = [f"ended: {item.words()}" for item in self.ended]
        lines += [f"already ended: {item.words()}" for item in self.unchanged]
        lines += [
            f"WARNING: user {item.mcp_email} of member {item.member} is not in Directus (deleted by hand?); "
            "`mcp-access drift` shows it"
            for item in self.missing
        ]
        if self.oauth_clients:
            lines.append(f"OAuth clients of expired members deleted: {', '.join(self.oauth_clients)}")
        total = len(self.ended)
        lines.append(
            f"expire (stack {self.stack!r}, now {iso(self.checked_at)}): ended {total} member"
            f"{'' if total == 1 else 's'} in {self.seconds:.2f}s; nothing else changed"
        )
        return lines


def expire_due(client: DirectusClient, stack: str, items: list[Due], checked_at: datetime) -> Expired:
    """Apply ``items`` (from :func:`components.ops.expire.plan.due`) to Directus through ``client``."""
    started = time.monotonic()
    result = Expired(stack=stack, checked_at=checked_at)
    if items:
        ids = [d.user_id for d in items]
        live = {}
        for start in range(0, len(ids), USERS_PER_QUERY):  # keeps the query string short
            chunk = ids[start : start + USERS_PER_QUERY]
            fields = ["id", "status", "role", "token"]
            users = client.list_objects("/users", filter={"id": {"_in": chunk}}, fields=fields)
            live.update({str(u["id"]): u for u in users})
        patches = {}
        for item in items:
            user = live.get(item.user_id)
            if user is None:
                result.missing.append(item)
            elif body := item.patch(user):
                patches[item.user_id] = body
                result.ended.append(item)
            else:
                result.unchanged.append(item)
        suspended = {d.user_id for d in result.ended if "status" in patches[d.user_id]}
        owned = _clients_held_only_by(client, suspended) if suspended else []
        for user_id, body in patches.items():
            client.update("/users", user_id, body)
        delete_clients(client, owned)
        result.oauth_clients = owned
    result.seconds = time.monotonic() - started
    return result


def _clients_held_only_by(client: DirectusClient, user_ids: set[str]) -> list[str]:
    """OAuth clients whose every token belongs to one of ``user_ids`` (read before the suspension ends sessions)."""
    listing = read_oauth(client)
    owned = []
    for oauth_client in listing.clients:
        holders = {g.user for g in listing.grants if g.client == oauth_client.client_id}
        if len(holders) == 1 and holders <= user_ids:
            owned.append(oauth_client.client_id)
    return owned


def expire_stack(stack: auto.Stack, now: datetime | None = None) -> Expired:
    """End what has expired in ``stack`` at ``now`` (default: :func:`components.model.clock.now`) and say what.

    The hook for the live guard: it returns the members it ended (``ended``) and those already ended.
    """
    checked_at = now or clock_now()
    outputs = deployed_outputs(stack)
    config, values = stack_settings(stack)
    roles = dict(outputs["templateRoles"].value) if "templateRoles" in outputs else {}
    items = due(config, members_of(outputs), roles, checked_at)
    if not items:
        return Expired(stack=stack.name, checked_at=checked_at)
    return expire_due(admin_client(values), stack.name, items, checked_at)  # a shared client: not closed here

"""Directus's MCP OAuth server as an admin sees it: clients, consents and tokens (Directus 12.0+).

What an admin can reach (verified on Directus 12.4.0, see the README's "OAuth members"):

- ``GET /mcp-oauth/clients`` (admin only; 404 when the server runs without ``MCP_OAUTH_ENABLED``) lists the
  clients; ``DELETE /mcp-oauth/clients/:id`` deletes one, and the database cascades to its consents, codes,
  tokens and sessions.
- Consents and tokens have no endpoint of their own (``/items/directus_oauth_*`` answers 403 to admins too).
  They are read through the clients' relational fields ``consents`` and ``tokens``.
- Suspending a user deletes its sessions, and an OAuth token is a session: the token fails (401) at once.
  Deleting a user deletes its consents and tokens (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from components.directus.client import DirectusClient
from components.directus.errors import DirectusError

CLIENTS_PATH = "/mcp-oauth/clients"
CLIENT_FIELDS = (
    "client_id",
    "client_name",
    "registration_type",
    "date_created",
    "consents.id",
    "consents.user",
    "consents.date_created",
    "consents.date_updated",
    "tokens.id",
    "tokens.user",
    "tokens.date_created",
    "tokens.expires_at",
)

GrantKind = Literal["consent", "token"]


def parse_time(text: object) -> datetime:
    """Directus timestamps are UTC; SQLite may give them without a zone or as epoch milliseconds."""
    if isinstance(text, int | float):
        return datetime.fromtimestamp(text / 1000, UTC)
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    client_name: str
    registration_type: str
    date_created: datetime


@dataclass(frozen=True)
class OAuthGrant:
    """A consent (approved by ``user`` for ``client``) or an OAuth token (issued to ``client`` acting as ``user``)."""

    kind: GrantKind
    id: str
    user: str
    client: str
    #: consent: last approval (``date_updated``); token: last issue or refresh (``date_created``).
    last_activity: datetime

    @property
    def words(self) -> str:
        return "OAuth consent" if self.kind == "consent" else "OAuth token"

    @property
    def moment_words(self) -> str:
        return "approved" if self.kind == "consent" else "issued"


@dataclass(frozen=True)
class OAuthListing:
    #: ``False``: the server runs without the OAuth environment (``/mcp-oauth/clients`` is not mounted).
    available: bool
    clients: Sequence[OAuthClient] = ()
    grants: Sequence[OAuthGrant] = ()

    def grants_of(self, user_id: str) -> list[OAuthGrant]:
        return [g for g in self.grants if g.user == user_id]


def _grants(raw: dict[str, Any]) -> Iterable[OAuthGrant]:
    client_id = str(raw["client_id"])
    for consent in raw.get("consents") or []:
        yield OAuthGrant(
            "consent",
            str(consent["id"]),
            str(consent["user"]),
            client_id,
            parse_time(consent.get("date_updated") or consent["date_created"]),
        )
    for token in raw.get("tokens") or []:
        yield OAuthGrant("token", str(token["id"]), str(token["user"]), client_id, parse_time(token["date_created"]))


def read_oauth(client: DirectusClient) -> OAuthListing:
    """Every OAuth client with its consents and tokens (one request)."""
    try:
        rows = client.list_objects(CLIENTS_PATH, fields=list(CLIENT_FIELDS))
    except DirectusError as exc:
        if exc.status in (404, 403) and "ROUTE_NOT_FOUND" in str(exc.code) + str(exc):
            return OAuthListing(available=False)
        raise
    clients = [
        OAuthClient(
            client_id=str(r["client_id"]),
            client_name=str(r.get("client_name") or ""),
            registration_type=str(r.get("registration_type") or "dcr"),
            date_created=parse_time(r["date_created"]),
        )
        for r in rows
    ]
    grants = [grant for r in rows for grant in _grants(r)]
    return OAuthListing(available=True, clients=clients, grants=grants)


def revoke_user_grants(client: DirectusClient, user_id: str) -> list[str]:
    """End ``user_id``'s OAuth access: delete the OAuth clients whose every grant is this user's.

    Directus has no endpoint to delete one consent or token; deleting the client cascades to all of its grants.
    A client another user also holds a grant on is left alone (deleting it would cut that user off); the
    user's token on it already fails once the user is suspended or deleted (its session is deleted). Returns
    the deleted client ids.
    """
    listing = read_oauth(client)
    if not listing.available:
        return []
    deleted = []
    for oauth_client in listing.clients:
        holders = {g.user for g in listing.grants if g.client == oauth_client.client_id}
        if holders == {user_id}:
            client.delete(CLIENTS_PATH, oauth_client.client_id)
            deleted.append(oauth_client.client_id)
    return deleted

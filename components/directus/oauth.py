"""Directus's MCP OAuth server as an admin sees it: clients and their tokens (Directus 12.0+).

What an admin can reach (verified on Directus 12.4.0; requests and status codes in ``docs/oauth.md``):

- ``GET /mcp-oauth/clients`` (admin only; not mounted without ``MCP_OAUTH_ENABLED``) lists the clients with the
  relational field ``tokens`` (one row per client and user: ``user``, ``date_created`` = last issue or refresh,
  ``expires_at``); ``DELETE /mcp-oauth/clients/:id`` deletes one, and the database cascades to its consents,
  codes, tokens and sessions.
- Consents cannot be read by anyone: ``/items/directus_oauth_consents`` (and ``_tokens``, ``_clients``) answer
  403 to an admin, there is no ``/mcp-oauth/consents`` route (404), GraphQL refuses them. A consent is only a
  record: Directus asks for consent on every authorization anyway. A token row exists for every live grant.
- An OAuth token is a Directus session: suspending the user, or changing its password, deletes its sessions,
  and the token fails at once (401), its refresh token too (400 ``invalid_grant``); the token row goes with it.
  Deleting a user deletes its consents and tokens (``ON DELETE CASCADE``).
- A registration leaves no activity row (``services/mcp-oauth`` inserts the client with knex directly, 12.4.1):
  once a client is deleted, nothing in Directus says it existed. So before this tool deletes a client it records
  it as a comment (``/comments``, Directus 11+) on the user it belonged to, starting with :data:`DELETED_MARKER`;
  ``audit`` reads those back (:func:`deleted_clients`), so what was registered in a period stays in its audit.
"""

from __future__ import annotations

import json
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
    #: ``False``: the server runs without the OAuth environment (``/mcp-oauth/clients`` is not mounted), or
    #: ``readable`` is false.
    available: bool
    clients: Sequence[OAuthClient] = ()
    grants: Sequence[OAuthGrant] = ()
    #: ``False``: the listing is admin only and the token is not an admin's (e.g. the guard user's).
    readable: bool = True

    def grants_of(self, user_id: str) -> list[OAuthGrant]:
        return [g for g in self.grants if g.user == user_id]


def _grants(raw: dict[str, Any]) -> Iterable[OAuthGrant]:
    client_id = str(raw["client_id"])
    for token in raw.get("tokens") or []:
        yield OAuthGrant("token", str(token["id"]), str(token["user"]), client_id, parse_time(token["date_created"]))


def read_oauth(client: DirectusClient) -> OAuthListing:
    """Every OAuth client with its consents and tokens (one request)."""
    try:
        rows = client.list_objects(CLIENTS_PATH, fields=list(CLIENT_FIELDS))
    except DirectusError as exc:
        if exc.status == 404 or exc.code == "ROUTE_NOT_FOUND":  # no OAuth server (env off, or Directus 11)
            return OAuthListing(available=False)
        if exc.status == 403:  # admin only: a read-only token (the stack's guard user) cannot see them
            return OAuthListing(available=False, readable=False)
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


def clients_held_only_by(client: DirectusClient, user_id: str) -> list[str]:
    """OAuth clients whose every token is ``user_id``'s (read before the user loses its sessions)."""
    listing = read_oauth(client)
    return [
        c.client_id for c in listing.clients if {g.user for g in listing.grants if g.client == c.client_id} == {user_id}
    ]


#: How a comment recording a deleted OAuth client starts (the rest is JSON: the client and when it was deleted).
DELETED_MARKER = "mcp-access: deleted OAuth client "
COMMENTS_PATH = "/comments"


@dataclass(frozen=True)
class DeletedClient:
    """An OAuth client this tool deleted, as it recorded it (``holder``: the user whose grant it was)."""

    client: OAuthClient
    holder: str
    deleted_at: datetime


def delete_clients(client: DirectusClient, client_ids: Iterable[str], *, holder: str | None = None) -> None:
    """Delete OAuth clients; their consents, codes, tokens and sessions go with them (database cascade).

    With ``holder`` (the user whose grant the clients were), each is first recorded as a comment on that user,
    so that ``audit`` still lists its registration afterwards.
    """
    ids = list(client_ids)
    if ids and holder is not None:
        known = {c.client_id: c for c in read_oauth(client).clients}
        now = datetime.now(UTC)
        for client_id in ids:
            if client_id in known:
                record = {**_client_record(known[client_id]), "deletedAt": now.isoformat()}
                comment = DELETED_MARKER + json.dumps(record, sort_keys=True)
                client.create(COMMENTS_PATH, {"collection": "directus_users", "item": holder, "comment": comment})
    for client_id in ids:
        client.delete(CLIENTS_PATH, client_id)


def _client_record(oauth_client: OAuthClient) -> dict[str, str]:
    return {
        "clientId": oauth_client.client_id,
        "clientName": oauth_client.client_name,
        "registrationType": oauth_client.registration_type,
        "dateCreated": oauth_client.date_created.isoformat(),
    }


def deleted_clients(client: DirectusClient) -> list[DeletedClient]:
    """The OAuth clients this tool recorded before deleting them (see :func:`delete_clients`)."""
    rows = client.list_objects(
        COMMENTS_PATH,
        filter={"collection": {"_eq": "directus_users"}, "comment": {"_starts_with": DELETED_MARKER}},
        fields=["item", "comment"],
    )
    found = []
    for row in rows:
        try:
            data = json.loads(str(row["comment"]).removeprefix(DELETED_MARKER))
            oauth_client = OAuthClient(
                client_id=str(data["clientId"]),
                client_name=str(data.get("clientName") or ""),
                registration_type=str(data.get("registrationType") or "dcr"),
                date_created=parse_time(data["dateCreated"]),
            )
            found.append(DeletedClient(oauth_client, str(row.get("item")), parse_time(data["deletedAt"])))
        except (ValueError, KeyError, TypeError):
            continue  # not one of ours after all (edited by hand): skip it
    return found

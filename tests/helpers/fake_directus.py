"""A small, stateful fake of the Directus 12 REST API the dynamic providers use, for fast unit tests.

Mount :meth:`FakeDirectus.handler` as an ``httpx.MockTransport`` (``fake.transport``, or ``fake.client()`` for
a ready :class:`DirectusClient`): no network, no Directus, no Pulumi engine. It follows the facts verified on
Directus 12.4 (``DESIGN.md`` section 4).

Emulated:

- Collections ``/users``, ``/roles``, ``/policies``, ``/access``, ``/permissions``:

  - ``GET /<coll>``: ``fields`` (``*``, plain fields, and one level of relation such as ``policy.id,policy.name``,
    answered nested as Directus does), ``limit`` (``-1`` for all, 100 by default), ``filter[<field>][<op>]`` with
    ``_eq``, ``_neq``, ``_null``, ``_nnull``, ``_in``, ``_nin``, values encoded as
    :func:`components.directus.client.encode_filter` sends them (text, ``true``/``false``/``null``, comma lists).
  - ``GET /<coll>/<id>``: the object; **403 FORBIDDEN** when it does not exist (never 404).
  - ``POST /<coll>`` with an object or an array: answers the created object(s). Ids are UUIDs, except
    permissions (integers, as in Directus).
  - ``PATCH /<coll>/<id>`` (**204** when the id does not exist); batch ``PATCH /<coll>`` with ``{keys, data}`` or
    an array of objects carrying their id.
  - ``DELETE /<coll>/<id>`` (204 whether or not it existed); batch ``DELETE /<coll>`` with an array of keys
    (a key that is not a string or a number, e.g. the ``null`` id of a generated permission, is 400).
  - Relations as Directus's foreign keys: deleting a user, role or policy deletes the access rows (and a
    policy's permissions) pointing to it; deleting a role leaves its users without a role; a relation to an
    id that does not exist is 400 ``INVALID_FOREIGN_KEY``.
  - Users' ``email`` and ``token`` are unique (400 ``RECORD_NOT_UNIQUE``, the value echoed in the message as
    Directus does); ``token`` reads back as ``"**********"`` when set, ``null`` when not.
  - ``generated_permissions``: rows appended to every ``/permissions`` listing, as the generated ``system: true``
    rows without id that Directus lists.
  - A request that fails changes nothing (Directus runs each request in a transaction).

- ``GET /settings`` (with ``fields``) and ``PATCH /settings``: unknown keys are ignored silently, as Directus does;
  keys named in ``ignored_settings`` are ignored too (a value that "does not stick").
- ``GET /users/me``: the user whose token is the bearer token, if that user is ``active``; otherwise 401
  ``INVALID_CREDENTIALS`` (a changed, cleared or suspended user's token fails at once). The admin token answers
  as an admin user that is not listed in ``/users``.
- Authentication: the admin token may do everything; a user's own token only ``/users/me`` (403 elsewhere);
  anything else is 401. Errors use the Directus envelope ``{"errors": [{"message", "extensions": {"code"}}]}``.
- ``refuse()`` makes chosen requests fail with a chosen error (e.g. a user delete that Directus refuses because a
  file still points to the user, or the core tier's ``RESOURCE_RESTRICTED`` on permissions).
- ``requests`` records every request (method, path, query, body) so tests can count them.

Not emulated: other collections and endpoints (404 ``ROUTE_NOT_FOUND``), filters on relations or with logical
operators, ``sort``/``page``/``search`` and other query parameters (400 ``INVALID_QUERY``), deep relations
(``a.b.c``), ``policy.roles``/``policy.users`` aliases, licensing rules themselves, rate limits, MCP.
Stricter than Directus may be: a body field that is not a column of the collection is 400 ``INVALID_PAYLOAD``,
so a provider sending a misspelt field fails here. Listings come back in creation order.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from components.directus.client import DirectusClient, RetryPolicy

Row = dict[str, Any]

URL = "http://directus.test"
ADMIN_TOKEN = "fake-admin-token-0123456789abcdef"
ADMIN_ID = "00000000-0000-4000-8000-0000000000ad"
MASK = "**********"

#: Columns of each collection and their defaults on create (``id`` is generated).
COLUMNS: dict[str, Row] = {
    "users": {
        "email": None,
        "first_name": None,
        "last_name": None,
        "status": "active",
        "role": None,
        "tags": None,
        "token": None,
    },
    "roles": {"name": None, "icon": "supervised_user_circle", "description": None, "parent": None},
    "policies": {
        "name": None,
        "icon": "badge",
        "description": None,
        "admin_access": False,
        "app_access": False,
        "enforce_tfa": False,
        "ip_access": None,
    },
    "access": {"role": None, "user": None, "policy": None, "sort": None},
    "permissions": {
        "policy": None,
        "collection": None,
        "action": None,
        "fields": None,
        "permissions": None,
        "validation": None,
        "presets": None,
    },
}
#: (collection, field) -> (related collection, what deleting the related object does to this row).
RELATIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("users", "role"): ("roles", "set null"),
    ("roles", "parent"): ("roles", "set null"),
    ("access", "role"): ("roles", "cascade"),
    ("access", "user"): ("users", "cascade"),
    ("access", "policy"): ("policies", "cascade"),
    ("permissions", "policy"): ("policies", "cascade"),
}
UNIQUE: dict[str, tuple[str, ...]] = {"users": ("email", "token")}
SETTINGS_DEFAULTS: Row = {
    "project_name": "Directus",
    "mcp_enabled": False,
    "mcp_allow_deletes": False,
    "mcp_prompts_collection": None,
    "mcp_system_prompt_enabled": True,
    "mcp_system_prompt": None,
    "mcp_oauth_enabled": False,
    "mcp_oauth_dcr_enabled": False,
    "mcp_oauth_cimd_enabled": False,
}
_FILTER = re.compile(r"filter\[(\w+)\]\[(_\w+)\]")
_DIRECTUS_NAMES = {"users": "directus_users", "roles": "directus_roles", "policies": "directus_policies"}


class ReplyError(Exception):
    """An error answer in the Directus envelope."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> httpx.Response:
        body = {"errors": [{"message": self.message, "extensions": {"code": self.code}}]}
        return httpx.Response(self.status, json=body)


def _forbidden() -> ReplyError:
    return ReplyError(403, "FORBIDDEN", "You don't have permission to access this.")


@dataclass(frozen=True)
class Call:
    """One recorded request."""

    method: str
    path: str
    params: dict[str, str]
    body: Any


@dataclass
class _Refusal:
    method: str
    path: str
    error: ReplyError
    times: int | None


def _text(value: Any) -> str:
    """A stored value as a filter compares it with the query text."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _matches(value: Any, op: str, arg: str) -> bool:
    if op == "_eq":
        return _text(value) == arg
    if op == "_neq":
        return _text(value) != arg
    if op in ("_null", "_nnull"):
        wanted_null = (arg == "true") == (op == "_null")
        return (value is None) == wanted_null
    if op == "_in":
        return _text(value) in arg.split(",")
    if op == "_nin":
        return _text(value) not in arg.split(",")
    raise ReplyError(400, "INVALID_QUERY", f"the fake does not emulate the filter operator {op}")


class FakeDirectus:
    """The fake instance: ``tables`` (collection -> id -> row, stored unmasked), ``settings``, ``requests``."""

    def __init__(self) -> None:
        self.url = URL
        self.admin_token = ADMIN_TOKEN
        self.tables: dict[str, dict[str, Row]] = {name: {} for name in COLUMNS}
        self.settings: Row = dict(SETTINGS_DEFAULTS)
        self.ignored_settings: set[str] = set()
        self.generated_permissions: list[Row] = []
        self.requests: list[Call] = []
        self._refusals: list[_Refusal] = []
        self._permission_ids = itertools.count(1)

    # ------------------------------------------------------------------------------------------------------
    # for tests: wiring, changes "by hand" (not recorded as requests), inspection

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def client(self, token: str = ADMIN_TOKEN) -> DirectusClient:
        """A client talking to this fake (no retries, no sleeping)."""
        return DirectusClient(self.url, token, transport=self.transport, retry=RetryPolicy(attempts=1))

    def add(self, collection: str, /, **values: Any) -> Row:
        """Create an object as an admin in the Data Studio would (validated, not recorded); returns a copy."""
        return copy.deepcopy(self._insert(collection, values))

    def change(self, collection: str, id_: str | int, /, **values: Any) -> None:
        """Change an existing object by hand."""
        if str(id_) not in self.tables[collection]:
            raise KeyError(f"{collection}/{id_} does not exist")
        self._patch(collection, str(id_), values)

    def remove(self, collection: str, id_: str | int) -> None:
        """Delete an object by hand (relations follow, as in Directus)."""
        self._remove(collection, str(id_))

    def row(self, collection: str, id_: str | int) -> Row | None:
        """The stored object (token unmasked), or ``None``."""
        row = self.tables[collection].get(str(id_))
        return copy.deepcopy(row) if row is not None else None

    def rows(self, collection: str, /, **match: Any) -> list[Row]:
        """Stored objects whose fields equal ``match``."""
        return [
            copy.deepcopy(row)
            for row in self.tables[collection].values()
            if all(row.get(key) == value for key, value in match.items())
        ]

    def refuse(
        self, method: str, path: str, status: int, code: str, message: str = "refused", *, times: int | None = None
    ) -> None:
        """Answer ``method path`` with this error (``times`` times, or always), before doing anything."""
        self._refusals.append(_Refusal(method.upper(), path, ReplyError(status, code, message), times))

    def calls(self, method: str | None = None, path: str | None = None) -> list[Call]:
        """Recorded requests, optionally only those with this method and/or exact path."""
        return [
            call
            for call in self.requests
            if (method is None or call.method == method.upper()) and (path is None or call.path == path)
        ]

    # ------------------------------------------------------------------------------------------------------
    # the HTTP side

    def handler(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        params = dict(request.url.params)
        method, path = request.method, request.url.path
        self.requests.append(Call(method, path, params, body))
        saved = copy.deepcopy((self.tables, self.settings))
        try:
            self._authenticate(request, path)
            self._refused(method, path)
            data = self._route(method, path, params, body, request)
        except ReplyError as reply:
            self.tables, self.settings = saved
            return reply.response()
        if data is None:
            return httpx.Response(204)
        return httpx.Response(200, json={"data": data})

    def _bearer(self, request: httpx.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        return header.removeprefix("Bearer ") if header.startswith("Bearer ") else None

    def _token_user(self, token: str | None) -> Row | None:
        if not token:
            return None
        return next((row for row in self.tables["users"].values() if row.get("token") == token), None)

    def _authenticate(self, request: httpx.Request, path: str) -> None:
        token = self._bearer(request)
        if token == self.admin_token:
            return
        user = self._token_user(token)
        if user is None or user.get("status") != "active":
            raise ReplyError(401, "INVALID_CREDENTIALS", "Invalid user credentials.")
        if path != "/users/me":
            raise _forbidden()

    def _refused(self, method: str, path: str) -> None:
        for refusal in self._refusals:
            if refusal.method == method and refusal.path == path and refusal.times != 0:
                if refusal.times is not None:
                    refusal.times -= 1
                raise refusal.error

    def _route(self, method: str, path: str, params: dict[str, str], body: Any, request: httpx.Request) -> Any:
        if path == "/users/me" and method == "GET":
            return self._me(request, params)
        if path == "/settings":
            return self._settings(method, params, body)
        parts = path.strip("/").split("/")
        collection = parts[0]
        if collection not in COLUMNS or len(parts) > 2:
            raise ReplyError(404, "ROUTE_NOT_FOUND", f"Route {path} doesn't exist.")
        if len(parts) == 1:
            if method == "GET":
                return self._list(collection, params)
            if method == "POST":
                return self._create(collection, body)
            if method == "PATCH":
                return self._patch_many(collection, body, params)
            if method == "DELETE":
                keys = body.get("keys") if isinstance(body, dict) else body
                if not isinstance(keys, list) or not all(isinstance(key, str | int) for key in keys):
                    raise ReplyError(400, "INVALID_PAYLOAD", '"keys" must be an array of primary keys.')
                for key in keys:
                    self._remove(collection, str(key))
                return None
        else:
            id_ = parts[1]
            exists = id_ in self.tables[collection]
            if method == "GET":
                if not exists:
                    raise _forbidden()
                return self._shape(collection, self.tables[collection][id_], params.get("fields"))
            if method == "PATCH":
                if not exists:
                    return None
                return self._shape(collection, self._patch(collection, id_, body), params.get("fields"))
            if method == "DELETE":
                self._remove(collection, id_)
                return None
        raise ReplyError(404, "ROUTE_NOT_FOUND", f"Route {path} doesn't exist.")

    # ------------------------------------------------------------------------------------------------------
    # reads

    def _list(self, collection: str, params: dict[str, str]) -> list[Row]:
        rows = list(self.tables[collection].values())
        if collection == "permissions":
            rows += self.generated_permissions
        for key, arg in params.items():
            if key in ("limit", "fields"):
                continue
            found = _FILTER.fullmatch(key)
            if found is None:
                raise ReplyError(400, "INVALID_QUERY", f"the fake does not emulate the query parameter {key}")
            field, op = found.groups()
            if field != "id" and field not in COLUMNS[collection]:
                raise _forbidden()
            rows = [row for row in rows if _matches(row.get(field), op, arg)]
        limit = int(params.get("limit", "100"))
        if limit >= 0:
            rows = rows[:limit]
        return [self._shape(collection, row, params.get("fields")) for row in rows]

    def _shape(self, collection: str, row: Row, fields: str | None) -> Row:
        """The answer for one row: the requested fields, relations nested, the token masked."""
        out: Row = {}
        for name in (fields or "*").split(","):
            if name == "*":
                out.update({key: _masked(key, value) for key, value in row.items()})
                continue
            head, _, rest = name.partition(".")
            if head != "id" and head not in COLUMNS[collection]:
                raise _forbidden()
            if not rest:
                out[head] = _masked(head, row.get(head))
                continue
            relation = RELATIONS.get((collection, head))
            if relation is None or "." in rest or (rest != "id" and rest not in COLUMNS[relation[0]]):
                raise _forbidden()
            related = self.tables[relation[0]].get(_text(row.get(head)))
            if related is None:
                out[head] = None
                continue
            nested = out.get(head)
            out[head] = {**(nested if isinstance(nested, dict) else {}), rest: _masked(rest, related.get(rest))}
        return out

    def _me(self, request: httpx.Request, params: dict[str, str]) -> Row:
        token = self._bearer(request)
        if token == self.admin_token:
            admin = {"id": ADMIN_ID, "email": "admin@example.com", "status": "active"}
            wanted = (params.get("fields") or "id,email,status").split(",")
            return {key: admin.get(key) for key in wanted}
        user = self._token_user(token)
        assert user is not None  # _authenticate let it through
        return self._shape("users", user, params.get("fields"))

    def _settings(self, method: str, params: dict[str, str], body: Any) -> Row:
        if method == "PATCH":
            for key, value in (body or {}).items():
                if key in self.settings and key not in self.ignored_settings:
                    self.settings[key] = value
        elif method != "GET":
            raise ReplyError(404, "ROUTE_NOT_FOUND", "Route /settings doesn't exist.")
        fields = params.get("fields")
        if not fields or fields == "*":
            return dict(self.settings)
        return {key: self.settings[key] for key in fields.split(",") if key in self.settings}

    # ------------------------------------------------------------------------------------------------------
    # writes

    def _create(self, collection: str, body: Any) -> Any:
        if isinstance(body, list):
            return [self._shape(collection, self._insert(collection, item), None) for item in body]
        if not isinstance(body, dict):
            raise ReplyError(400, "INVALID_PAYLOAD", "Invalid payload.")
        return self._shape(collection, self._insert(collection, body), None)

    def _insert(self, collection: str, values: Row) -> Row:
        new_id: str | int = next(self._permission_ids) if collection == "permissions" else str(uuid.uuid4())
        row = self._merged(collection, str(new_id), {"id": new_id, **COLUMNS[collection]}, values)
        self.tables[collection][str(new_id)] = row
        return row

    def _patch(self, collection: str, id_: str, values: Any) -> Row:
        row = self._merged(collection, id_, self.tables[collection][id_], values)
        self.tables[collection][id_] = row
        return row

    def _merged(self, collection: str, id_: str, row: Row, values: Any) -> Row:
        """``row`` with ``values`` applied, after the checks Directus makes (the stored row is not touched)."""
        if not isinstance(values, dict):
            raise ReplyError(400, "INVALID_PAYLOAD", "Invalid payload.")
        unknown = sorted(set(values) - set(COLUMNS[collection]) - {"id"})
        if unknown:
            raise ReplyError(400, "INVALID_PAYLOAD", f"the fake knows no field {unknown} in {collection}")
        merged = copy.deepcopy(row)
        for field, value in values.items():
            if field == "id":
                continue
            self._check_relation(collection, field, value)
            self._check_unique(collection, id_, field, value)
            merged[field] = copy.deepcopy(value)
        return merged

    def _patch_many(self, collection: str, body: Any, params: dict[str, str]) -> list[Row]:
        if isinstance(body, dict) and "keys" in body:
            pairs: Iterable[tuple[Any, Any]] = ((key, body.get("data")) for key in body["keys"])
        elif isinstance(body, list):
            pairs = ((item.get("id"), item) for item in body)
        else:
            raise ReplyError(400, "INVALID_PAYLOAD", "Invalid payload.")
        updated = [
            self._patch(collection, str(key), data) for key, data in pairs if str(key) in self.tables[collection]
        ]
        return [self._shape(collection, row, params.get("fields")) for row in updated]

    def _check_relation(self, collection: str, field: str, value: Any) -> None:
        relation = RELATIONS.get((collection, field))
        if relation is not None and value is not None and _text(value) not in self.tables[relation[0]]:
            raise ReplyError(
                400, "INVALID_FOREIGN_KEY", f'Invalid foreign key for field "{field}" in collection "{collection}".'
            )

    def _check_unique(self, collection: str, id_: str, field: str, value: Any) -> None:
        if value is None or field not in UNIQUE.get(collection, ()):
            return
        if any(key != id_ and row.get(field) == value for key, row in self.tables[collection].items()):
            name = _DIRECTUS_NAMES.get(collection, collection)
            raise ReplyError(
                400,
                "RECORD_NOT_UNIQUE",
                f'Value "{value}" for field "{field}" in collection "{name}" has to be unique.',
            )

    def _remove(self, collection: str, id_: str) -> None:
        if self.tables[collection].pop(id_, None) is None:
            return
        for (child, field), (parent, rule) in RELATIONS.items():
            if parent != collection:
                continue
            for child_id, child_row in list(self.tables[child].items()):
                if child_row.get(field) is not None and _text(child_row.get(field)) == id_:
                    if rule == "cascade":
                        self._remove(child, child_id)
                    else:
                        child_row[field] = None


def _masked(field: str, value: Any) -> Any:
    if field == "token" and value is not None:
        return MASK
    return copy.deepcopy(value)

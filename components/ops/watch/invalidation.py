"""Which kept answers a change event makes old: the watch's per-object re-evaluation.

The watch's check is ``drift``'s (one code path), run on a client whose GET answers are kept
(:mod:`components.directus.read_cache`). An event says which collection changed and which ids; this module turns
that into the rule that drops exactly the answers it may have changed, so the next check re-sends only those:

- the listings of the collection that changed (``directus_access`` -> every ``GET /access``), and those that
  join it through a relational field (``/access?fields=policy.name`` when a policy changed);
- for ``directus_users``: the token probes (``GET /users/me`` with a member's token) of the users the event names,
  and every probe that got no user back (a 401): a suspended user's token, a token set by hand;
- nothing that Directus pushes no event for (OAuth, ``/server/info``, ``/activity``, the extensions): the poll
  re-reads those, every ``--poll-interval`` seconds.

``last_access`` is written by Directus's authentication service straight into the database (no event), so a
listing of only ``id`` and ``last_access`` is left to the poll too; the sign of use it feeds is counted in days.
"""

from __future__ import annotations

from collections.abc import Collection

from components.directus.read_cache import Entry, Rule
from components.kinds import ACCESS_PATH, PERMISSIONS_PATH, POLICIES_PATH, ROLES_PATH, USERS_PATH
from components.ops.watch.rules import CLEAR_ROLE, DELETE_ACCESS, RESTORE_POLICY, RESTORE_SETTING, REVOKE, Action

USERS_ME = f"{USERS_PATH}/me"

#: The REST paths each watched collection's objects are read at.
PATHS: dict[str, tuple[str, ...]] = {
    "directus_users": (USERS_PATH,),
    "directus_roles": (ROLES_PATH,),
    "directus_policies": (POLICIES_PATH,),
    "directus_access": (ACCESS_PATH,),
    "directus_permissions": (PERMISSIONS_PATH,),
    "directus_settings": ("/settings",),
    "directus_flows": ("/flows",),
    "directus_operations": ("/operations",),
}

#: A relational field's first part -> the collection it reads (``policy.name`` on ``/access`` reads policies).
#: A relational field not named here is dropped by every event (safe, one request more).
RELATIONS: dict[str, str] = {
    "policy": "directus_policies",
    "role": "directus_roles",
    "user": "directus_users",
    "policies": "directus_access",
    "permissions": "directus_permissions",
    "operations": "directus_operations",
    "flow": "directus_flows",
}

#: Fields Directus writes without emitting an event (see the module's docstring).
UNEVENTED_FIELDS = frozenset({"id", "last_access"})


def _collection_of(path: str) -> str | None:
    first = "/" + path.strip("/").split("/", 1)[0]
    for collection, paths in PATHS.items():
        if first in paths:
            return collection
    return None


def _joins(entry: Entry, collection: str) -> bool:
    for name in entry.fields:
        if "." in name:
            related = RELATIONS.get(name.split(".", 1)[0])
            if related is None or related == collection:
                return True
    return False


def made_old_by(collection: str, keys: Collection[str] | None) -> Rule:
    """The rule for an event on ``collection`` touching ``keys`` (``None``: unknown, every object of it)."""

    def made_old(entry: Entry) -> bool:
        if entry.path == USERS_ME:
            if collection != "directus_users":
                return False
            return keys is None or entry.owner is None or entry.owner in keys
        watched = _collection_of(entry.path)
        if watched is None:  # OAuth, /server/info, /activity, extensions: no event; the poll reads them again
            return False
        if watched == collection and not (entry.fields and entry.fields <= UNEVENTED_FIELDS):
            return True
        return _joins(entry, collection)

    return made_old


#: What each enforcement action writes (a revoke also deletes the member's own OAuth clients).
_WRITES: dict[str, str] = {
    REVOKE: "directus_users",
    CLEAR_ROLE: "directus_users",
    DELETE_ACCESS: "directus_access",
    RESTORE_POLICY: "directus_policies",
    RESTORE_SETTING: "directus_settings",
}


def made_old_by_action(action: Action, user_id: str | None) -> Rule:
    """The rule for the watch's own write: what the event of that write will drop, dropped before it arrives (so
    the check right after an enforcement reads what it changed). ``user_id``: the revoked member's user."""
    collection = _WRITES.get(action.what)
    keys = frozenset({user_id}) if action.what == REVOKE and user_id else frozenset({action.target})
    by_event = made_old_by(collection, keys) if collection else (lambda _entry: True)

    def made_old(entry: Entry) -> bool:
        return by_event(entry) or (action.what == REVOKE and entry.path.startswith("/mcp-oauth"))

    return made_old

"""Dynamic provider for a user's static token.

The token is generated here, in the provider process, from the operating system's CSPRNG (``secrets``),
never taken as an input. It is a secret output (``additional_secret_outputs``). Whether it still works is
found by probing it against ``GET /users/me``: Directus masks the stored value on reads.

Replacement (rotation, or a token changed or cleared by hand) creates the new token first; deleting the old
resource then clears the user's token only if the live token is still the old one, so it never clears the
new token.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, UpdateResult

from components.directus.errors import DirectusAuthError
from components.kinds import STATIC_TOKEN, USERS_PATH
from components.providers.base import DirectusProvider, DirectusResource, Props, failure, is_unknown
from components.providers.user import USER_READ_FIELDS

TOKEN_BYTES = 32  # 256 bits of entropy; token_urlsafe gives 43 characters
VALID = "valid"
INVALID = "invalid"


def generate_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class StaticTokenProvider(DirectusProvider):
    def validate(self, news: Props) -> list[CheckFailure]:
        days = news.get("rotate_after_days")
        if is_unknown(days):
            return []
        if isinstance(days, bool) or not isinstance(days, int | float) or int(days) != days or not 1 <= days <= 365:
            return [failure("rotate_after_days", f"{days!r} is not a whole number of days between 1 and 365")]
        return []

    def _issue(self, user_id: str, rotate_after_days: int) -> Props:
        token = generate_token()
        self.client.register_secret(token)
        self.client.update(USERS_PATH, user_id, {"token": token})
        issued = _now()
        return {
            "user_id": user_id,
            "rotate_after_days": rotate_after_days,
            "token": token,
            "issued_at": _iso(issued),
            "rotation_due": _iso(issued + timedelta(days=rotate_after_days)),
            "status": VALID,
        }

    def create(self, props: Props) -> CreateResult:
        outs = self._issue(str(props["user_id"]), int(props["rotate_after_days"]))
        return CreateResult(f"token-{props['user_id']}-{secrets.token_hex(4)}", outs)

    def _probe(self, token: str | None, user_id: str) -> str:
        """``valid`` when the token authenticates as ``user_id``, else ``invalid``."""
        if not token:
            return INVALID
        try:
            me = self.client.whoami(token)
        except DirectusAuthError:
            return INVALID
        return VALID if str(me.get("id")) == user_id else INVALID

    def read(self, id_: str, props: Props) -> ReadResult:
        user_id = str(props.get("user_id"))
        if self.snapshot.by_id(USERS_PATH, user_id, USER_READ_FIELDS) is None:
            return self.deleted()
        return ReadResult(id_, {**props, "status": self._probe(props.get("token"), user_id)})

    def diff(self, _id: str, olds: Props, news: Props) -> DiffResult:
        replaces = []
        if is_unknown(news.get("user_id")) or olds.get("user_id") != news.get("user_id"):
            replaces.append("user_id")
        if olds.get("status") != VALID:
            replaces.append("token")  # changed or cleared out of band, or the user is suspended
        due = olds.get("rotation_due")
        if due and datetime.fromisoformat(due) <= _now():
            replaces.append("rotation_due")
        changes = bool(replaces) or olds.get("rotate_after_days") != news.get("rotate_after_days")
        return DiffResult(changes=changes, replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, olds: Props, news: Props) -> UpdateResult:
        # Only rotate_after_days changed: move the due date, keep the token.
        issued = datetime.fromisoformat(olds["issued_at"])
        days = int(news["rotate_after_days"])
        return UpdateResult({**olds, "rotate_after_days": days, "rotation_due": _iso(issued + timedelta(days=days))})

    def delete(self, _id: str, props: Props) -> None:
        """Clear the user's token, unless a newer token (a rotation's replacement) already took its place.

        The probe tells "still the old token" only for an active user: a suspended user's token fails too. A user
        that is not active has no newer token (a disabled member has no token resource; a user suspended by hand
        is re-activated by its own update before a replacement token is issued), so its token is cleared: it must
        not come back to life when someone re-activates the user by hand.
        """
        user_id = str(props.get("user_id"))
        user = self.client.get_by_id(USERS_PATH, user_id, fields=["id", "status"])
        if user is None:
            return
        if user.get("status") != "active" or self._probe(props.get("token"), user_id) == VALID:
            self.client.update(USERS_PATH, user_id, {"token": None})


class StaticToken(DirectusResource, kind=STATIC_TOKEN):
    """The static token of one MCP user. ``token`` is a secret; ``rotation_due`` is an ISO timestamp."""

    token: pulumi.Output[str]
    rotation_due: pulumi.Output[str]
    issued_at: pulumi.Output[str]
    status: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        user_id: pulumi.Input[str],
        rotate_after_days: pulumi.Input[int],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "user_id": user_id,
            "rotate_after_days": rotate_after_days,
            "token": None,
            "issued_at": None,
            "rotation_due": None,
            "status": None,
        }
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=["token"])
        super().__init__(StaticTokenProvider(), name, props, pulumi.ResourceOptions.merge(secret_opts, opts))

"""The Pulumi state backend of a stack, as far as this project cares: shared or not, and never its password.

Non-local stacks take their backend from ``PULUMI_BACKEND_URL`` (see the README's "production" section: a
shared DIY backend, PostgreSQL ``postgres://...`` or object storage, with locking). The Pulumi CLI 3.259
repeats a PostgreSQL backend URL, password included, in its errors ("unable to open state database
"postgres://user:password@..."), so every engine message this project shows goes through :func:`redact`.
"""

from __future__ import annotations

import re

_CREDENTIALS_IN_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s\"']*):(?P<password>[^@/\s\"']+)@")


def redact(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@host`` replaced by ``***``."""
    return _CREDENTIALS_IN_URL.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)

"""The one place that takes secrets out of text this tool shows: known values, and credentials inside URLs.

Two kinds of secret reach text: values this process knows (the provisioning token, generated tokens: replaced
wherever they occur, :func:`redact_values`) and credentials it does not know but can recognise, the state
backend's password in a URL (``postgres://user:PASSWORD@host/db`` or ``...?password=PASSWORD``), which the Pulumi
CLI repeats in its own errors and in ``pulumi whoami -v`` (:func:`redact`). Every engine message and stream this
tool prints goes through :func:`redact` (``mcp-access`` errors, ``--verbose`` streams, ``preview``'s text,
``drift --engine``'s failure, ``mcp-access pulumi -- ...``); a plain ``pulumi`` run by hand does not.

Standard library only: the error base, the client and the engine all use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

REDACTED = "[redacted]"
#: What stands in for a URL's password.
MASK = "***"

_CREDENTIALS_IN_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s\"']*):(?P<password>[^@/\s\"']+)@")
_PASSWORD_IN_QUERY = re.compile(r"(?P<key>[?&](?:password|sslpassword|pass|pwd)=)(?P<password>[^&#\s\"']+)", re.I)


def redact(text: str) -> str:
    """``text`` with every URL password (``scheme://user:password@`` and ``?password=``) replaced by ``***``."""
    text = _CREDENTIALS_IN_URL.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    return _PASSWORD_IN_QUERY.sub(lambda m: f"{m['key']}{MASK}", text)


def redact_values(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each known secret in ``text``.

    Empty and very short strings are skipped: replacing them would mangle the text and they are not secrets.
    """
    for secret in secrets:
        if secret and len(secret) >= 8:
            text = text.replace(secret, REDACTED)
    return text


def redacting(sink: Callable[[str], None]) -> Callable[[str], None]:
    """``sink`` behind :func:`redact`: for the engine's ``on_output`` streams."""

    def redacted_sink(line: str) -> None:
        sink(redact(line))

    return redacted_sink

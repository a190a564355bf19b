"""Typed errors for Directus responses.

Directus answers errors with ``{"errors": [{"message": ..., "extensions": {"code": ...}}]}``. Each code we
act on gets its own exception class so callers can tell "forbidden (or missing)" from "license restriction"
from "bad payload" without parsing text. Messages carry the method, the path and Directus's code and
message, never a credential: see :func:`redact`.
"""

from __future__ import annotations

from collections.abc import Iterable

from components.errors import McpAccessError
from components.redaction import REDACTED as REDACTED
from components.redaction import redact_values


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret in ``text`` (:func:`components.redaction.redact_values`)."""
    return redact_values(text, secrets)


class DirectusError(McpAccessError):
    """A request to Directus failed. ``code`` is Directus's error code (or a transport-level code)."""

    def __init__(self, *, method: str, path: str, status: int | None, code: str, message: str) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.message = message
        status_text = f" {status}" if status is not None else ""
        super().__init__(f"Directus {method} {path} failed:{status_text} {code}: {message}")


class DirectusForbiddenError(DirectusError):
    """403 FORBIDDEN. Directus also answers this for objects that do not exist, so it may mean 'not found'."""


class DirectusAuthError(DirectusError):
    """401: the token is wrong, expired, revoked, or its user is suspended."""


class DirectusValidationError(DirectusError):
    """400: INVALID_PAYLOAD, FAILED_VALIDATION, RECORD_NOT_UNIQUE, INVALID_QUERY, ..."""


class DirectusLicenseError(DirectusError):
    """403 RESOURCE_RESTRICTED / LIMIT_EXCEEDED: the Directus license (e.g. the free core tier) forbids this."""


class DirectusUnavailableError(DirectusError):
    """Directus could not be reached, timed out, or kept answering 429/5xx after all retries."""


_CLASS_BY_CODE: dict[str, type[DirectusError]] = {
    "FORBIDDEN": DirectusForbiddenError,
    "INVALID_CREDENTIALS": DirectusAuthError,
    "TOKEN_EXPIRED": DirectusAuthError,
    "INVALID_TOKEN": DirectusAuthError,
    "USER_SUSPENDED": DirectusAuthError,
    "RESOURCE_RESTRICTED": DirectusLicenseError,
    "LIMIT_EXCEEDED": DirectusLicenseError,
    "INVALID_PAYLOAD": DirectusValidationError,
    "FAILED_VALIDATION": DirectusValidationError,
    "RECORD_NOT_UNIQUE": DirectusValidationError,
    "INVALID_QUERY": DirectusValidationError,
    "CONTAINS_NULL_VALUES": DirectusValidationError,
    "VALUE_TOO_LONG": DirectusValidationError,
    "VALUE_OUT_OF_RANGE": DirectusValidationError,
}


def error_class_for(status: int, code: str) -> type[DirectusError]:
    """Pick the exception class for a Directus error code, falling back on the HTTP status."""
    if code in _CLASS_BY_CODE:
        return _CLASS_BY_CODE[code]
    if status == 401:
        return DirectusAuthError
    if status == 403:
        return DirectusForbiddenError
    if status in (400, 422):
        return DirectusValidationError
    if status == 429 or status >= 500:
        return DirectusUnavailableError
    return DirectusError

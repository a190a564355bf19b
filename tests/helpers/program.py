"""What the program's unit tests share: the stack they declare, and what its Directus lists."""

from __future__ import annotations

STACK = "staging"
#: What ``GET /collections`` lists in the Directus the stack points at: system collections too.
LIVE_COLLECTIONS = {
    "articles",
    *(f"directus_{name}" for name in ("access", "collections", "fields", "files", "folders", "relations", "users")),
}

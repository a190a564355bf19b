"""The stack's ``recorder`` section: the log collection the recorder extension writes into (see docs/recorder.md).

The extension (``extensions/mcp-access-recorder``) records, for the users this stack manages, what Directus does
not: MCP calls, reads, refusals and failed token logins. ``up`` creates the collection and writes these settings
into its note, where the extension reads them; ``audit`` reads the rows.
"""

from __future__ import annotations

from pydantic import Field

from components.model.base import ConfigModel

DEFAULT_LOG_COLLECTION = "mcp_access_log"


class RecorderConfig(ConfigModel):
    """Where the recorder writes and how long its rows live. Numbers must be numbers (``"30"`` is refused)."""

    #: ``true``: ``up`` creates the log collection, ``drift`` expects the extension, ``audit`` reads the rows.
    enabled: bool = Field(default=False, strict=True)
    #: A collection name of its own: ``up`` never takes over one that exists for another purpose.
    collection: str = Field(default=DEFAULT_LOG_COLLECTION, pattern=r"^[a-z][a-z0-9_]{0,62}$")
    #: Rows older than this many days are pruned by the extension (hourly).
    retention_days: int = Field(default=90, ge=1, le=3650, strict=True)

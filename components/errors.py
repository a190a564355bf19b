"""The one error base of the project: every error a person should read (not a bug) derives from it.

``mcp-access`` prints such an error as one ``error:`` block and exits with its :attr:`~McpAccessError.exit_code`;
anything else is a bug and keeps its traceback. Each room defines its own subclasses next to the code that
raises them (``ConfigError`` in the model, ``DirectusError`` in the client, ...).
"""

from __future__ import annotations


class McpAccessError(Exception):
    """A failure with a message for people: what failed, and the field, file or endpoint it concerns."""

    #: The command's exit status: 2 for "could not run" (0 and 1 are reports' "clean" and "findings").
    exit_code: int = 2


class NotDeployedError(McpAccessError):
    """The stack exists but ``up`` has not applied it yet: there are no outputs to read."""

    def __init__(self, stack: str) -> None:
        super().__init__(f"stack {stack!r} has no outputs yet: run `mcp-access up --stack {stack}` first")
        self.stack = stack


class StackNotFoundError(McpAccessError):
    """A read-only command named a stack that does not exist (it is never created by such a command)."""

    def __init__(self, stack: str) -> None:
        super().__init__(f"stack {stack!r} does not exist yet: run `mcp-access up --stack {stack}` first")
        self.stack = stack


class UsageError(McpAccessError):
    """A command line that argparse accepts but that cannot work (e.g. ``mcp-access pulumi`` without arguments)."""

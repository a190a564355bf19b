"""The one error base of the project: every error a person should read (not a bug) derives from it.

``mcp-access`` prints such an error as one block, last, and exits with its :attr:`~McpAccessError.exit_code`;
anything else is a bug and keeps its traceback. The block (:func:`error_block`)::

    error: <what failed, naming the field, file, stack or endpoint>
      <details, one per line>
    what to do: <the next step>
 Each room defines its own subclasses next to the code that
raises them (``ConfigError`` in the model, ``DirectusError`` in the client, ...).
"""

from __future__ import annotations

#: How a hint starts on its own line inside a message, also when the message crossed the engine as text.
HINT_PREFIX = "what to do: "


class McpAccessError(Exception):
    """A failure with a message for people: what failed, and the field, file or endpoint it concerns.

    ``hint``, when given, says what to do; it is kept apart from the message so that a failure repeated by
    several resources is reported once with one hint.
    """

    #: The command's exit status: 2 for "could not run" (0 and 1 are reports' "clean" and "findings").
    exit_code: int = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text}\n{HINT_PREFIX}{self.hint}" if self.hint else text


def error_block(error: McpAccessError) -> str:
    """The block ``mcp-access`` prints last for ``error``: ``error: ...``, indented details, ``what to do: ...``."""
    return f"error: {error}"


class NotDeployedError(McpAccessError):
    """The stack exists but ``up`` has not applied it yet: there are no outputs to read."""

    def __init__(self, stack: str) -> None:
        super().__init__(f"stack {stack!r} has no outputs yet: run `mcp-access up --stack {stack}` first")
        self.stack = stack


class StackNotFoundError(McpAccessError):
    """A read-only command named a stack that does not exist (it is never created by such a command)."""

    def __init__(self, stack: str) -> None:
        first = "mcp-access local" if stack == "local" else f"mcp-access init {stack}"
        super().__init__(f"stack {stack!r} does not exist in its backend yet: create it with `{first}` first")
        self.stack = stack


class UsageError(McpAccessError):
    """A command line that argparse accepts but that cannot work (e.g. ``mcp-access pulumi`` without arguments)."""

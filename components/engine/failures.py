"""One readable block from a failed Pulumi run: what failed (each distinct message once) and what to do.

The engine's transcript repeats a failure many times: a provider error comes back once per resource, wrapped
in gRPC's ``Exception calling application:``; a program error is printed by the Automation API's server and
again by the engine as ``an unhandled error occurred: ...``; the run ends with ``error: update failed``. This
module keeps each distinct message once, without those wrappers, and the hints (``what to do: ...``) once.
The full transcript stays available with ``--verbose``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from components.errors import HINT_PREFIX
from components.names import docs_page

_ERROR_LINE = re.compile(r"^(?P<indent>\s*)error: (?P<text>.*)$")
#: Wrappers the engine, gRPC and the Automation API put around a message, removed (repeatedly) from its start.
_WRAPPERS = (
    "an unhandled error occurred: ",
    "Exception calling application: ",
    "python inline source runtime error: ",
    "error: ",
)
#: The engine's prefix for a provider error during a step (``Preview failed: ...``).
_STEP_FAILED = re.compile(r"^(Preview|Update|Refresh|Destroy|Create|Delete|Read|Diff|Check) failed: ")
#: A Directus request error (see ``DirectusError``): requests failing the same way are reported together.
_DIRECTUS = re.compile(r"^Directus (?P<request>[A-Z]+ \S+) failed: (?P<reason>.+)$")
#: A mandatory policy violation, as the engine lists it under "Policies:"::
#:
#:     - [mandatory]  token-rotation-limit  (pulumi-python:dynamic/directus:StaticToken: john-token)
#:       Static tokens rotate within the configured maximum (90 days).      <- the rule's description
#:       member 'john': token rotates after 120 days; at most 90 are allowed  <- the violation
_VIOLATION = re.compile(r"^(?P<indent>\s*)- \[mandatory\]\s+(?P<rule>\S+)\s+\((?P<resource>[^)]*)\)\s*$")
#: The same in ``--diff`` output: ``<pack>@v<version> [mandatory]  <rule>  (<type>: <name>)<description>``, then
#: the violation on the next line.
_VIOLATION_DIFF = re.compile(r"^\s*\S+@v\S+ \[mandatory\]\s+(?P<rule>\S+)\s+\((?P<resource>[^)]*)\)")
POLICY_HINT = (
    f"change the stack so that the guardrail policy pack passes ({docs_page('policy-pack')}); "
    "`--no-policy-pack` skips it (not advised)"
)
#: The engine's own closing lines: they say only that something above failed.
_GENERIC = re.compile(r"^(update|preview|refresh|destroy) failed$|^\d+ errors? occurred:?$")


@dataclass
class EngineFailure:
    """The distinct failures and hints of one run, in the order the engine reported them."""

    failures: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        lines = message.splitlines()
        hints = [line.strip().removeprefix(HINT_PREFIX) for line in lines if line.strip().startswith(HINT_PREFIX)]
        body = "\n".join(line for line in lines if not line.strip().startswith(HINT_PREFIX)).strip()
        if body and body not in self.failures and not _GENERIC.match(body):
            self.failures.append(body)
        self.hints.extend(h for h in hints if h not in self.hints)


def _unwrap(text: str) -> str:
    changed = True
    while changed:
        changed = False
        for wrapper in _WRAPPERS:
            if text.startswith(wrapper):
                text, changed = text.removeprefix(wrapper), True
        step = _STEP_FAILED.match(text)
        if step:
            text, changed = text[step.end() :], True
    return text


def _grouped(failures: list[str]) -> list[str]:
    """Directus requests that failed for the same reason on one line: ``Directus GET /a, GET /b failed: ...``."""
    requests: dict[str, list[str]] = {}
    order: list[str] = []
    for failure in failures:
        match = _DIRECTUS.match(failure)
        key = match.group("reason") if match and "\n" not in failure else failure
        if key not in requests:
            requests[key] = []
            order.append(key)
        if match and "\n" not in failure:
            requests[key].append(match.group("request"))
    return [f"Directus {', '.join(sorted(requests[key]))} failed: {key}" if requests[key] else key for key in order]


def engine_failure(transcript: str) -> EngineFailure:
    """Parse the engine's output (stdout and stderr as the Automation API reports them) into an :class:`EngineFailure`.

    An ``error:`` line starts a message; the lines after it that are indented deeper continue it (a
    configuration error lists one problem per line). Python tracebacks of the inline program are left out.
    """
    found = EngineFailure()
    lines = transcript.splitlines()
    for line in lines:
        if HINT_PREFIX in line:
            hint = line.split(HINT_PREFIX, 1)[1].strip()
            if hint not in found.hints:
                found.hints.append(hint)
    for number, line in enumerate(lines):
        violation = _VIOLATION.match(line) or _VIOLATION_DIFF.match(line)
        if violation is None:
            continue
        if violation.re is _VIOLATION_DIFF:
            message = lines[number + 1].strip() if number + 1 < len(lines) else ""
        else:
            depth = len(violation.group("indent"))
            following = []
            for after in lines[number + 1 :]:
                if not after.strip() or len(after) - len(after.lstrip()) <= depth:
                    break
                following.append(after.strip())
            message = " ".join(following[1:] or following)  # the first line is the rule's description
        resource = violation.group("resource").split(":")[-1].strip()
        found.add(f"policy {violation.group('rule')} ({resource}): {message}")
        if POLICY_HINT not in found.hints:
            found.hints.append(POLICY_HINT)
    index = 0
    while index < len(lines):
        match = _ERROR_LINE.match(lines[index])
        index += 1
        if match is None:
            continue
        indent = len(match.group("indent"))
        body = [_unwrap(match.group("text").strip())]
        while index < len(lines) and lines[index].strip() and len(lines[index]) - len(lines[index].lstrip()) > indent:
            body.append(lines[index][indent:].rstrip())
            index += 1
        text = "\n".join(body)
        if "Traceback (most recent call last):" in text:
            text = text.split("Traceback (most recent call last):", 1)[0]
        found.add(_dedent_continuation(text))
    return found


def _dedent_continuation(text: str) -> str:
    """Continuation lines as two-space indented details under the first line."""
    first, *rest = text.splitlines() or [""]
    if not rest:
        return first
    margin = min(len(line) - len(line.lstrip()) for line in rest if line.strip())
    return "\n".join([first, *(f"  {line[margin:]}" for line in rest)])


def failure_text(failure: EngineFailure, *, stack: str, fallback: str) -> tuple[str, str | None]:
    """The message and hint of the error for people; ``fallback`` (the transcript's end) when nothing was parsed."""
    details = _grouped(failure.failures) or [fallback.strip() or "the engine gave no reason"]
    listed = "\n".join("  " + line for detail in details for line in detail.splitlines())
    hints = [hint.replace("-s STACK ", f"-s {stack} ") for hint in failure.hints]
    hints.append("the engine's full output: run the command again with --verbose")
    return f"the Pulumi run on stack {stack!r} failed:\n{listed}", "\n  ".join(hints)

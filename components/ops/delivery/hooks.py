"""Where sealed delivery meets the commands: one call each from ``up``, ``rotate``, ``onboard`` and the commands that
can show a token (``connection``, ``local``, ``rotate`` with ``--show-token``).

- :func:`sealed_delivery` wraps a change (``up``, ``rotate``): before it, the stack's config is read, a refused
  ``--show-token`` stops the command and the outbox is proved writable (nothing has changed yet); after it, every
  member with a ``recipient`` whose token is new gets a sealed bundle in the outbox, and the command says who.
- :func:`sealed_onboarding` is ``onboard --seal``, and the ``delivery.requireSealed`` refusal of a clear onboarding.
- :func:`refuse_clear_tokens` is the refusal alone, for ``--show-token``.

The bundle's text comes from the caller (``render(stack, member, client, read)``: the onboarding document, given the
stack's outputs and config this room has read already), so this room does not depend on the onboarding room.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pulumi import automation as auto

from components.engine.deployed import stack_settings
from components.model.stack_config import StackConfig
from components.names import PROJECT_ROOT
from components.ops.delivery.outbox import bundle_path, check_writable, outbox_dir
from components.ops.delivery.seal import DeliveryError, write_bundle

#: What the stack's reads gave: its outputs (after the change) and its validated config.
Read = tuple[Mapping[str, auto.OutputValue], StackConfig]
#: ``render(stack, member, client, read)``: the document a member's bundle carries (configuration and checklist).
Render = Callable[[auto.Stack, str, str, Read], str]
Say = Callable[[str], None]


def project_of(stack: auto.Stack) -> Path:
    work_dir = getattr(stack.workspace, "work_dir", None)
    return Path(work_dir) if work_dir else PROJECT_ROOT


def refuse_clear_tokens(config: StackConfig, stack: str, what: str) -> None:
    """A :class:`DeliveryError` when the stack has ``delivery.requireSealed``: ``what`` would show a token."""
    if config.delivery.require_sealed:
        raise DeliveryError(
            f"stack {stack!r} has delivery.requireSealed: true: {what} would show a token in clear, refused",
            hint="give the member a sealed bundle: set their `recipient` and run "
            f"`mcp-access onboard MEMBER --stack {stack} --seal` (or `rotate`, which seals one)",
        )


def refuse_shown_token(stack: auto.Stack, show_token: bool, what: str) -> None:
    """``--show-token`` of ``connection`` and ``local``: refused on a ``requireSealed`` stack."""
    if show_token:
        refuse_clear_tokens(stack_settings(stack)[0], stack.name, what)


def _tokens(outputs: Mapping[str, auto.OutputValue]) -> dict[str, str]:
    tokens = outputs.get("tokens")
    return dict(tokens.value) if tokens is not None and isinstance(tokens.value, dict) else {}


@contextmanager
def sealed_delivery(stack: auto.Stack, render: Render, say: Say, *, show_token: bool = False) -> Iterator[None]:
    """Around ``up`` or ``rotate``: refuse and check before the change, seal the new tokens after it."""
    config, _ = stack_settings(stack)
    if show_token:
        refuse_clear_tokens(config, stack.name, "--show-token")
    recipients = {m.name: m.recipient for m in config.members if m.recipient and m.enabled and m.auth == "token"}
    clients = {m.name: m.client or config.delivery.client for m in config.members}
    if not recipients:  # today's behaviour: no outbox, no extra reads
        yield
        return
    folder = outbox_dir(config.delivery.outbox, project_of(stack), stack.name)
    check_writable(folder, stack.name)
    before = _tokens(stack.outputs())
    yield
    outputs = stack.outputs()
    after = _tokens(outputs)
    new = sorted(name for name, token in after.items() if token and token != before.get(name))
    failures: list[str] = []
    for member in (name for name in new if name in recipients):
        path = bundle_path(folder, member)
        try:
            write_bundle(path, render(stack, member, clients[member], (outputs, config)), recipients[member])
        except DeliveryError as exc:
            failures.append(f"{member}: {exc}")
            continue
        say(f"sealed bundle for member {member}: {path} (mode 600; only their key opens it)")
    unsealed = [name for name in new if name not in recipients]
    if unsealed:
        say(f"new token, no recipient (hand over with `mcp-access onboard`): {', '.join(unsealed)}")
    if failures:
        raise DeliveryError("sealed bundles not written:\n  " + "\n  ".join(failures))


def sealed_onboarding(
    stack: auto.Stack, member: str, text: str, *, shows_token: bool, seal: bool, out: Path | None, say: Say
) -> bool:
    """``onboard``: with ``seal``, write the bundle and return ``True``; without, refuse a clear token on a
    ``requireSealed`` stack, else return ``False`` (the caller shows the document as before)."""
    if not seal and not shows_token:
        return False  # nothing secret would be shown (an OAuth member)
    config, _ = stack_settings(stack)
    if not seal:
        refuse_clear_tokens(config, stack.name, f"`onboard {member}` without --seal")
        return False
    recipient = next((m.recipient for m in config.members if m.name == member), None)
    if not recipient:
        raise DeliveryError(
            f"member {member!r} of stack {stack.name!r} has no recipient: --seal needs their public key",
            hint=f"add `recipient: <age1... or ssh-ed25519 ...>` to member {member} in the stack file",
        )
    if out is not None:
        path = out
    else:
        folder = outbox_dir(config.delivery.outbox, project_of(stack), stack.name)
        check_writable(folder, stack.name)
        path = bundle_path(folder, member)
    write_bundle(path, text, recipient)
    say(f"sealed bundle for member {member}: {path} (mode 600; only their key opens it)")
    say(f"the member opens it with: age -d -i ~/.ssh/id_ed25519 {path.name}  (or -i their age identity file)")
    return True

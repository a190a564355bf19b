"""Sealed delivery settings: a member's public key (``members[].recipient``) and the stack's ``delivery`` section.

A recipient is what age encrypts to: a native age recipient (``age1...``) or an SSH public key line
(``ssh-ed25519 ...``, ``ssh-rsa ...``, as in ``~/.ssh/id_ed25519.pub``). Public keys are safe to commit. Each one
is parsed here with the age implementation that seals the bundles (:mod:`pyrage`, bindings to the Rust ``age``
crate), so a key ``up`` accepts is a key it can encrypt to; a malformed key or a key type age does not support
(ECDSA, DSA, security keys) is a configuration error naming the member, before any request is sent.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeAlias

import pyrage
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from components.model.base import ConfigModel

#: SSH key types age encrypts to (``age`` 1.x, ``rage``): Ed25519 and RSA.
SSH_TYPES = ("ssh-ed25519", "ssh-rsa")
#: What ``onboard --client`` takes; a unit test keeps this equal to the onboarding room's client table.
ClientName = Literal["chatgpt", "claude-ai", "claude-desktop", "claude-code", "cursor", "vscode", "raycast"]
AgeRecipient: TypeAlias = pyrage.x25519.Recipient | pyrage.ssh.Recipient


def _shown(value: str) -> str:
    """A key as an error shows it: public, but shortened so that a pasted private key is not echoed whole."""
    return repr(value if len(value) <= 40 else f"{value[:24]}...{value[-8:]}")


def parse_recipient(value: str) -> AgeRecipient:
    """The age recipient of ``value`` (``age1...`` or an SSH public key line); ``ValueError`` naming the problem."""
    text = value.strip()
    if text.startswith("age1"):
        try:
            return pyrage.x25519.Recipient.from_str(text)
        except pyrage.RecipientError:
            raise ValueError(f"{_shown(text)} is not a valid age recipient (an age1... key from age-keygen)") from None
    key_type = text.split(maxsplit=1)[0] if text else ""
    if key_type in SSH_TYPES:
        try:
            return pyrage.ssh.Recipient.from_str(text)
        except pyrage.RecipientError:
            raise ValueError(f"{_shown(text)} is not a valid {key_type} public key") from None
    if key_type.startswith(("ssh-", "ecdsa-", "sk-")):
        raise ValueError(
            f"{key_type!r} keys are not supported by age: use an ssh-ed25519 or ssh-rsa public key, or an age1... "
            "recipient from age-keygen"
        )
    if "PRIVATE KEY" in text or text.startswith("AGE-SECRET-KEY-"):
        raise ValueError("this is a private key: give the public one (the .pub file, or age-keygen -y)")
    raise ValueError(
        f"{_shown(text)} is not a public key age can encrypt to (expected age1..., ssh-ed25519 ... or ssh-rsa ...)"
    )


#: The error type of a bad recipient: its message shows the key (shortened), so the whole input is not repeated.
RECIPIENT_ERROR = "recipient"


def _valid_recipient(value: str) -> str:
    try:
        parse_recipient(value)
    except ValueError as exc:
        raise PydanticCustomError(RECIPIENT_ERROR, str(exc)) from None
    return value.strip()


#: ``members[].recipient``: validated with :func:`parse_recipient`, stored as the stripped text.
Recipient = Annotated[str, AfterValidator(_valid_recipient)]


class DeliveryConfig(ConfigModel):
    """``delivery``: where sealed bundles go, and whether tokens may ever be shown in clear for this stack."""

    #: Folder for the bundles ``up`` and ``rotate`` write (relative to the project folder unless absolute).
    outbox: str = Field(default="outbox", min_length=1)
    #: Refuse to show a token in clear (``onboard`` without ``--seal``, ``--show-token`` of ``connection``,
    #: ``local`` and ``rotate``): tokens reach members only sealed to their key.
    require_sealed: bool = False
    #: The client whose configuration the bundles of ``up`` and ``rotate`` carry, for members without their own
    #: ``client`` (``onboard --seal`` takes ``--client``).
    client: ClientName = "claude-code"

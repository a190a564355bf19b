"""``members[].recipient`` and ``delivery``: a key age cannot encrypt to is a named error before any change."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import pytest

from components.model.delivery_config import ClientName, parse_recipient
from components.model.stack_config import ConfigError, parse_config
from components.ops.onboarding.clients import CLIENT_NAMES
from tests.helpers.keys import age_key, ssh_key

TEMPLATES = ["content"]
ECDSA = (
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBLymzd5Pd/0O7wj296vjsLaOul+C2eo+j9UJm"
    "J5T+ZXiTf5X6coni1PsPfp5dUOaFx09TS/12fo49LO2FR3zc7c= me@ecdsa"
)


def config(recipient: Any = None, **extra: Any) -> dict[str, Any]:
    member: dict[str, Any] = {"name": "kim", "email": "kim@company.com", "template": "content"}
    if recipient is not None:
        member["recipient"] = recipient
    return {"directusUrl": "http://127.0.0.1:8055", "members": [member], **extra}


def error_of(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, templates=TEMPLATES)
    return str(caught.value)


@pytest.mark.parametrize("kind", ["ed25519", "rsa", "age"])
def test_age_and_ssh_public_keys_are_accepted_as_recipients(tmp_path: Path, kind: str) -> None:
    key = age_key(tmp_path, "kim") if kind == "age" else ssh_key(tmp_path, "kim", kind)
    parsed = parse_config(config(f"  {key.public}\n"), templates=TEMPLATES)
    assert parsed.members[0].recipient == key.public  # stripped, as pasted from a .pub file
    assert parse_config(config(), templates=TEMPLATES).members[0].recipient is None


def test_a_malformed_age_recipient_is_named_with_its_member_and_value() -> None:
    message = error_of(config("age1notavalidkey"))
    assert "members[0].recipient: 'age1notavalidkey' is not a valid age recipient" in message
    assert message.count("age1notavalidkey") == 1  # shown once, not repeated as "(got ...)"


def test_a_truncated_ssh_key_is_named() -> None:
    message = error_of(config("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA kim@laptop"))
    assert "members[0].recipient:" in message and "is not a valid ssh-ed25519 public key" in message


@pytest.mark.parametrize(
    ("key", "key_type"),
    [
        (ECDSA, "ecdsa-sha2-nistp256"),
        ("ssh-dss AAAAB3NzaC1kc3MAAACBAP", "ssh-dss"),
        ("sk-ssh-ed25519@openssh.com AAAA", "sk-ssh-ed25519@openssh.com"),
    ],
)
def test_ssh_key_types_age_does_not_support_are_refused_by_name(key: str, key_type: str) -> None:
    message = error_of(config(key))
    assert f"members[0].recipient: {key_type!r} keys are not supported by age" in message
    assert "ssh-ed25519 or ssh-rsa" in message


def test_a_pasted_private_key_is_refused_without_echoing_it() -> None:
    secret = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"
    message = error_of(config(secret))
    assert "this is a private key: give the public one" in message
    assert secret not in message and "QQQQ" not in message


def test_garbage_is_refused_with_what_is_expected() -> None:
    assert "expected age1..., ssh-ed25519 ... or ssh-rsa ..." in error_of(config("kim's key"))
    with pytest.raises(ValueError, match="not a public key age can encrypt to"):
        parse_recipient("")


def test_delivery_settings_default_and_bad_values_are_named() -> None:
    parsed = parse_config(config(), templates=TEMPLATES)
    assert (parsed.delivery.outbox, parsed.delivery.require_sealed, parsed.delivery.client) == (
        "outbox",
        False,
        "claude-code",
    )
    strict = parse_config(config(delivery={"requireSealed": True, "outbox": "/srv/outbox"}), templates=TEMPLATES)
    assert strict.delivery.require_sealed and strict.delivery.outbox == "/srv/outbox"
    assert "delivery.client:" in error_of(config(delivery={"client": "emacs"}))
    assert "members[0].client:" in error_of({**config(), "members": [{**config()["members"][0], "client": "vim"}]})
    assert "delivery.requireSeal:" in error_of(config(delivery={"requireSeal": True}))
    assert "delivery.outbox:" in error_of(config(delivery={"outbox": ""}))


def test_delivery_clients_are_the_onboarding_clients() -> None:
    assert set(typing.get_args(ClientName)) == set(CLIENT_NAMES)

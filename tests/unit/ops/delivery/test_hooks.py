"""The hooks into ``up``/``rotate``/``onboard``/``--show-token``, on a fake stack: who gets a bundle, what is refused
before any change, and that nothing they print carries a token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pyrage
import pytest

from components.model.stack_config import StackConfig, parse_config
from components.ops.delivery import hooks
from components.ops.delivery.hooks import refuse_shown_token, sealed_delivery, sealed_onboarding
from components.ops.delivery.seal import DeliveryError
from tests.helpers.keys import KeyPair, age_key

OLD = {"kim": "old-kim-token", "lee": "old-lee-token", "john": "old-john-token"}


@dataclass
class FakeStack:
    work_dir: Path
    tokens: dict[str, str] = field(default_factory=dict)
    name: str = "prod"

    @property
    def workspace(self) -> Any:
        return SimpleNamespace(work_dir=str(self.work_dir))

    def outputs(self) -> dict[str, Any]:
        return {"tokens": SimpleNamespace(value=dict(self.tokens))} if self.tokens else {}


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, KeyPair]:
    return {name: age_key(tmp_path, name) for name in ("kim", "lee")}


def settings(keys: dict[str, KeyPair], **delivery: Any) -> StackConfig:
    members = [
        {"name": "kim", "email": "kim@company.com", "template": "content", "recipient": keys["kim"].public},
        {
            "name": "lee",
            "email": "lee@company.com",
            "template": "content",
            "recipient": keys["lee"].public,
            "client": "vscode",
        },
        {"name": "john", "email": "john@company.com", "template": "content"},
    ]
    return parse_config({"directusUrl": "http://d", "members": members, "delivery": delivery}, templates=["content"])


@pytest.fixture
def use(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def install(config: StackConfig) -> None:
        monkeypatch.setattr(hooks, "stack_settings", lambda _stack: (config, {}))

    yield install


def render(_stack: Any, member: str, client: str, read: hooks.Read) -> str:
    """The onboarding document as the command line renders it: from the outputs the hook read after the change."""
    return f"{member} for {client}: Bearer {read[0]['tokens'].value[member]}"


def opened(path: Path, key: KeyPair) -> str:
    line = next(x for x in key.identity.read_text().splitlines() if x.startswith("AGE-SECRET-KEY-"))
    return pyrage.decrypt(path.read_bytes(), [pyrage.x25519.Identity.from_str(line)]).decode()


def test_a_change_seals_each_new_token_of_a_member_with_a_recipient(
    tmp_path: Path, keys: dict[str, KeyPair], use: Any
) -> None:
    stack = FakeStack(tmp_path / "project", dict(OLD))
    use(settings(keys))
    said: list[str] = []
    with sealed_delivery(stack, render, said.append):  # type: ignore[arg-type]
        stack.tokens.update(kim="new-kim-token", john="new-john-token")  # what `up` or `rotate` did
    outbox = tmp_path / "project" / "outbox" / "prod"
    assert sorted(p.name for p in outbox.iterdir()) == ["kim.age"]  # lee's token did not change
    assert opened(outbox / "kim.age", keys["kim"]) == "kim for claude-code: Bearer new-kim-token"
    assert said == [
        f"sealed bundle for member kim: {outbox / 'kim.age'} (mode 600; only their key opens it)",
        "new token, no recipient (hand over with `mcp-access onboard`): john",
    ]
    assert not any("token" in line and "-token" in line for line in said)


def test_a_first_up_seals_every_member_with_a_recipient_for_their_client_or_the_stacks(
    tmp_path: Path, keys: dict[str, KeyPair], use: Any
) -> None:
    stack = FakeStack(tmp_path, {})
    use(settings(keys, client="cursor", outbox=str(tmp_path / "abs")))
    with sealed_delivery(stack, render, lambda _line: None):  # type: ignore[arg-type]
        stack.tokens.update(OLD)
    assert opened(tmp_path / "abs" / "prod" / "kim.age", keys["kim"]) == "kim for cursor: Bearer old-kim-token"
    assert opened(tmp_path / "abs" / "prod" / "lee.age", keys["lee"]) == "lee for vscode: Bearer old-lee-token"


def test_refusals_and_an_unwritable_outbox_stop_before_the_change(
    tmp_path: Path, keys: dict[str, KeyPair], use: Any
) -> None:
    stack = FakeStack(tmp_path, dict(OLD))
    ran: list[str] = []
    use(settings(keys, requireSealed=True))
    refused = r"stack 'prod' has delivery.requireSealed: true: --show-token would"
    with (
        pytest.raises(DeliveryError, match=refused),
        sealed_delivery(stack, render, ran.append, show_token=True),  # type: ignore[arg-type]
    ):
        ran.append("changed")
    (tmp_path / "blocked").write_text("")
    use(settings(keys, outbox="blocked"))
    with (
        pytest.raises(DeliveryError, match=r"delivery.outbox of stack 'prod': cannot write"),
        sealed_delivery(stack, render, ran.append),  # type: ignore[arg-type]
    ):
        ran.append("changed")
    assert ran == []
    with pytest.raises(DeliveryError, match="`connection --show-token` would show a token in clear"):
        use(settings(keys, requireSealed=True))
        refuse_shown_token(stack, True, "`connection --show-token`")  # type: ignore[arg-type]
    refuse_shown_token(stack, False, "`connection --show-token`")  # type: ignore[arg-type]


def test_without_recipients_a_change_is_untouched(tmp_path: Path, use: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    config = parse_config(
        {"directusUrl": "http://d", "members": [{"name": "john", "email": "j@c.com", "template": "content"}]},
        templates=["content"],
    )
    use(config)
    stack = FakeStack(tmp_path, dict(OLD))
    monkeypatch.setattr(stack, "outputs", lambda: pytest.fail("no extra read without recipients"))
    with sealed_delivery(stack, render, lambda _line: pytest.fail("nothing to say")):  # type: ignore[arg-type]
        pass
    assert not (tmp_path / "outbox").exists()


def test_onboard_seal_writes_the_bundle_or_names_what_is_missing(
    tmp_path: Path, keys: dict[str, KeyPair], use: Any
) -> None:
    stack = FakeStack(tmp_path, dict(OLD))
    use(settings(keys))
    said: list[str] = []
    args: dict[str, Any] = {"shows_token": True, "out": None, "say": said.append}
    assert sealed_onboarding(stack, "kim", "doc Bearer old-kim-token", seal=True, **args)  # type: ignore[arg-type]
    assert opened(tmp_path / "outbox" / "prod" / "kim.age", keys["kim"]) == "doc Bearer old-kim-token"
    assert all("old-kim-token" not in line for line in said)
    assert "age -d -i ~/.ssh/id_ed25519 kim.age" in said[-1]
    with pytest.raises(DeliveryError, match="member 'john' of stack 'prod' has no recipient: --seal needs"):
        sealed_onboarding(stack, "john", "doc", seal=True, **args)  # type: ignore[arg-type]
    out = tmp_path / "kim-cursor.age"
    assert sealed_onboarding(stack, "kim", "cursor doc", seal=True, **{**args, "out": out})  # type: ignore[arg-type]
    assert opened(out, keys["kim"]) == "cursor doc"
    # Without --seal: today's behaviour, unless the stack requires sealing (an OAuth document holds no token).
    assert not sealed_onboarding(stack, "kim", "doc", seal=False, **args)  # type: ignore[arg-type]
    use(settings(keys, requireSealed=True))
    with pytest.raises(DeliveryError, match=r"`onboard kim` without --seal would show a token in clear, refused"):
        sealed_onboarding(stack, "kim", "doc", seal=False, **args)  # type: ignore[arg-type]
    assert not sealed_onboarding(stack, "kim", "doc", seal=False, **{**args, "shows_token": False})  # type: ignore[arg-type]

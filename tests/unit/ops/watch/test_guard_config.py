"""``guard.enforce``: an unknown or repeated class is a named error before anything runs."""

from __future__ import annotations

import pytest

from components.model.guard_config import ENFORCEABLE
from components.model.stack_config import ConfigError, load_config, parse_config

BASE = {"directusUrl": "http://127.0.0.1:8055"}


def test_enforce_defaults_to_report_only_and_accepts_the_known_classes() -> None:
    assert parse_config(BASE).guard.enforce == []
    config = parse_config({**BASE, "guard": {"enforce": list(ENFORCEABLE)}})
    assert config.guard.enforce == list(ENFORCEABLE)


@pytest.mark.parametrize(
    ("guard", "expected"),
    [
        (
            {"enforce": ["public-mcp-policy", "admin-everything"]},
            "guard.enforce: 'admin-everything' is not a class the watch can enforce (known: member-admin-access,",
        ),
        ({"enforce": ["mcp-deletes-on", "mcp-deletes-on"]}, "guard.enforce: 'mcp-deletes-on' listed more than once"),
        ({"enforce": "public-mcp-policy"}, "guard.enforce: Input should be a valid list"),
        ({"enforced": []}, "guard.enforced: not a setting of this tool (known here: enforce, user)"),
    ],
)
def test_bad_guard_section_names_field_and_value(guard: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({**BASE, "guard": guard})
    assert expected in str(caught.value)


def test_guard_is_a_known_key_of_the_stack_namespace() -> None:
    values = {"directusUrl": BASE["directusUrl"], "guard": '{"enforce": ["mcp-deletes-on"]}'}
    config = load_config(values.get, present_keys=values)
    assert config.guard.enforce == ["mcp-deletes-on"]

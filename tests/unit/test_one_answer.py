""" "Where do I add a kind / an MCP client?" have one answer each (components/README.md): a fake kind and a fake
client, added the documented way only, are picked up by everything that lists kinds and clients.

The documented way: a kind is one entry in ``components.kinds`` (``KINDS``) plus its provider module declaring a
resource class with ``kind=<entry>``; a client is one entry in ``ops/onboarding/clients.py`` (``CLIENTS``) plus its
template ``templates/onboarding/<name>.j2`` (snippet and checklist macros). The tests replace the one list (every
module that holds it sees the new one) and change nothing else.
"""

from __future__ import annotations

import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from components import kinds
from components.cli import build_parser
from components.kinds import Kind
from components.names import ONBOARDING_TEMPLATES_DIR, dynamic_type
from components.ops.drift.run import declared_in_state
from components.ops.drift.wording import PlannedStep, describe
from components.ops.onboarding import clients, render
from components.ops.onboarding.clients import McpClient
from components.ops.onboarding.render import OnboardingError, OnboardingInfo, render_onboarding
from components.providers.base import DirectusResource

WIDGET = Kind("Widget", "widget", "template", "widget", "WidgetProvider", path="/widgets", scanned=True)


def _replace_everywhere(monkeypatch: pytest.MonkeyPatch, old: object, new: object) -> None:
    """Wherever a module of ``components`` holds ``old`` (the one list, imported by name), it now holds ``new``."""
    for name, module in list(sys.modules.items()):
        if name == "components" or name.startswith("components."):
            for attribute, value in list(vars(module).items()):
                if value is old:
                    monkeypatch.setattr(module, attribute, new)


@pytest.fixture
def widget_kind(monkeypatch: pytest.MonkeyPatch) -> Kind:
    _replace_everywhere(monkeypatch, kinds.BY_NAME, {**kinds.BY_NAME, WIDGET.name: WIDGET})
    _replace_everywhere(monkeypatch, kinds.KINDS, (*kinds.KINDS, WIDGET))
    return WIDGET


def test_a_new_kinds_resource_class_takes_its_type_from_the_entry(widget_kind: Kind) -> None:
    class Widget(DirectusResource, kind=widget_kind):
        pass

    assert Widget._directus_kind is widget_kind
    assert f"pulumi-python:{Widget._resource_type_name}" == dynamic_type("Widget") == widget_kind.type


def test_drifts_scan_counts_a_new_kinds_ids_as_declared(widget_kind: Kind) -> None:
    resources = [
        {"type": widget_kind.type, "id": "w-1"},
        {"type": kinds.USER.type, "id": "u-1"},
        {"type": kinds.STATIC_TOKEN.type, "id": "t-1"},  # not a scanned kind
    ]
    client = SimpleNamespace(get=lambda path, params: {"id": "admin", "role": "r-admin"})
    declared = declared_in_state(SimpleNamespace(name="staging"), resources, client)  # type: ignore[arg-type]
    assert declared.ids["Widget"] == frozenset({"w-1"})
    assert declared.user_ids == frozenset({"u-1"})
    assert sum(len(ids) for ids in declared.ids.values()) == 2


def test_drift_words_a_new_kinds_step_with_the_entrys_words(widget_kind: Kind) -> None:
    step = PlannedStep(
        urn=f"urn:pulumi:staging::directus-mcp-access::{widget_kind.type}::content-widget",
        type=widget_kind.type,
        op="update",
        old_outputs={"name": "a"},
        new_inputs={"name": "b"},
    )
    drifted = describe(step, lambda urn: True, datetime(2026, 12, 7, tzinfo=UTC))
    assert drifted.kind == "Widget"
    assert drifted.summary.startswith("the widget of ")
    assert "differs in Directus (name)" in drifted.summary


FAKE_CLIENT = McpClient(
    "fake-client",
    "Fake Client",
    "json",
    static_auth_via="header",
    oauth_registration=("dcr",),
    approval_setting="Fake Client's approval switch",
)
FAKE_TEMPLATE = """{%- macro install() -%}
- [ ] Paste it into Fake Client's settings as `{{ server_name }}`.
{%- endmacro -%}
{%- macro approval() -%}
- [ ] Keep {{ approval_setting }} on.
{%- endmacro -%}
{"fake": {{ server_name | tojson }}, "url": {{ server_url | tojson }}}
"""
INFO = OnboardingInfo(
    member="john",
    mcp_email="ai-john@company.com",
    template="content",
    stack="production",
    mcp_url="https://cms.example.com/mcp",
    token="tok_fake",
    allow_deletes=False,
    ip_allowlist=[],
    rotation_due=None,
)


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project's onboarding templates, in a copy where a test may add a client's template."""
    folder = tmp_path / "onboarding"
    shutil.copytree(ONBOARDING_TEMPLATES_DIR, folder)
    monkeypatch.setattr(render, "TEMPLATE_DIR", folder)
    render._environment.cache_clear()
    yield folder
    render._environment.cache_clear()


@pytest.fixture
def fake_client(monkeypatch: pytest.MonkeyPatch, templates: Path) -> McpClient:
    _replace_everywhere(monkeypatch, clients.CLIENTS, (*clients.CLIENTS, FAKE_CLIENT))
    _replace_everywhere(monkeypatch, clients.BY_NAME, {**clients.BY_NAME, FAKE_CLIENT.name: FAKE_CLIENT})
    _replace_everywhere(monkeypatch, clients.CLIENT_NAMES, (*clients.CLIENT_NAMES, FAKE_CLIENT.name))
    return FAKE_CLIENT


def test_a_new_client_gets_its_snippet_install_step_and_approval_step(fake_client: McpClient, templates: Path) -> None:
    (templates / fake_client.template).write_text(FAKE_TEMPLATE)
    text = render_onboarding(INFO, fake_client.name)
    assert '{"fake": "directus-production", "url": "https://cms.example.com/mcp"}' in text
    install = text.index("### 1. Install the configuration in Fake Client")
    approve = text.index("### 2. Approve every tool call yourself")
    assert text.index("- [ ] Paste it into Fake Client's settings as `directus-production`.") in range(install, approve)
    assert text.index("- [ ] Keep Fake Client's approval switch on.") > approve
    assert "train models." in text  # no privacy hint of another client


def test_the_command_line_offers_a_new_client(fake_client: McpClient) -> None:
    assert build_parser().parse_args(["onboard", "john", "--client", fake_client.name]).client == fake_client.name


def test_a_client_template_without_its_checklist_steps_is_refused_naming_the_file(
    fake_client: McpClient, templates: Path
) -> None:
    (templates / fake_client.template).write_text('{"fake": {{ server_name | tojson }}}\n')
    with pytest.raises(
        OnboardingError, match=r"templates/onboarding/fake-client\.j2 defines no install and no approval"
    ):
        render_onboarding(INFO, fake_client.name)


@pytest.mark.parametrize("client", clients.CLIENT_NAMES)
def test_no_template_branches_on_a_client_name(client: str) -> None:
    """Client-specific words live in the client's entry or template, never in a shared template's ``if``."""
    for template in ONBOARDING_TEMPLATES_DIR.glob("*.j2"):
        if template.name != f"{client}.j2":
            text = template.read_text()
            assert f'"{client}"' not in text, f"{template.name} names {client}"

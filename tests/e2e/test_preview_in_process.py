"""``mcp-access preview`` plans in process: the same operation on every resource as the engine's ``preview
--refresh``, both ways, and the same guardrail violations as the engine's policy pack.

One stack serves the cases; each case changes the code or Directus, compares the two plans as whole maps
(resource -> operation, every dynamic resource, unchanged ones included), and restores what it changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from components.cli import main
from components.directus.client import DirectusClient
from components.localdev.server import DirectusInstance
from components.names import DYNAMIC_PREFIX
from components.ops.drift.state import read_state
from components.ops.preview.render import operations
from components.ops.preview.run import PolicyViolationError, preview_in_process, preview_with_engine
from tests.helpers.stacks import make_stack, set_values

MEMBERS = [
    {"name": "john", "email": "john@company.com", "template": "content"},
    {"name": "sarah", "email": "sarah@company.com", "template": "analysis"},
]
TEMPLATES = {"content": {"collections": ["articles"]}, "analysis": {"collections": ["articles"]}}


def engine_operations(stack: auto.Stack) -> dict[str, str]:
    """The engine's ``preview --refresh`` as {logical name: operation} for every dynamic resource."""
    events: list[auto.EngineEvent] = []
    stack.preview(refresh=True, color="never", on_event=events.append)
    ops: dict[str, str] = {}
    for event in events:
        pre = event.resource_pre_event
        if pre is None or not pre.metadata.type.startswith(DYNAMIC_PREFIX):
            continue
        name, op = pre.metadata.urn.rsplit("::", 1)[-1], pre.metadata.op.value
        op = "replace" if op in ("replace", "create-replacement", "delete-replaced") else op
        if ops.get(name) != "replace":
            ops[name] = op
    return ops


def in_process_operations(stack: auto.Stack) -> dict[str, str]:
    result = preview_in_process(stack, policy_pack=False)
    return {urn.rsplit("::", 1)[-1]: op for urn, op in operations(result.steps).items()}


def both_ways(stack: auto.Stack) -> dict[str, str]:
    in_process, engine = in_process_operations(stack), engine_operations(stack)
    assert in_process == engine, f"in process: {in_process}\nengine: {engine}"
    return engine


@pytest.fixture(scope="module")
def preview_stack(directus: DirectusInstance, tmp_path_factory: pytest.TempPathFactory) -> Iterator[auto.Stack]:
    stack = make_stack(directus, tmp_path_factory.mktemp("preview"), "preview", members=MEMBERS, templates=TEMPLATES)
    stack.up(color="never")
    yield stack
    stack.destroy(color="never")


@dataclass
class Case:
    name: str
    change: Callable[[auto.Stack, DirectusClient], None]
    #: The resources that change, and how; every other dynamic resource must be "same".
    expected: dict[str, str]


def _user_id(stack: auto.Stack, member: str) -> str:
    return str(stack.outputs()["members"].value[member]["userId"])


CASES = [
    Case("no change", lambda stack, admin: None, {}),
    Case(
        "a member added in the code",
        lambda stack, admin: set_values(
            stack, members=[*MEMBERS, {"name": "mia", "email": "mia@company.com", "template": "analysis"}]
        ),
        {"mia-user": "create", "mia-token": "create"},
    ),
    Case(
        "a member removed from the code",
        lambda stack, admin: set_values(stack, members=MEMBERS[:1]),
        {"sarah-user": "delete", "sarah-token": "delete"},  # its template stays declared
    ),
    Case(
        "a collection added to a template",
        lambda stack, admin: set_values(
            stack, templates={**TEMPLATES, "analysis": {"collections": ["articles", "internal_notes"]}}
        ),
        {"analysis-permissions": "update"},
    ),
    Case(
        "a user changed by hand",
        lambda stack, admin: admin.update("/users", _user_id(stack, "john"), {"first_name": "Changed"}),
        {"john-user": "update"},
    ),
    Case(
        "a token changed by hand",
        lambda stack, admin: admin.update("/users", _user_id(stack, "sarah"), {"token": "changed-by-hand-0123456789"}),
        {"sarah-token": "replace"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_in_process_plan_is_the_engines_plan(case: Case, preview_stack: auto.Stack, admin: DirectusClient) -> None:
    assert set(both_ways(preview_stack).values()) == {"same"}, "the stack must start clean"
    case.change(preview_stack, admin)
    try:
        ops = both_ways(preview_stack)
        assert {name: op for name, op in ops.items() if op != "same"} == case.expected
    finally:
        set_values(preview_stack, members=MEMBERS, templates=TEMPLATES)
        preview_stack.up(refresh=True, color="never")


def test_the_pack_refuses_in_process_what_the_engines_pack_refuses(
    preview_stack: auto.Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The stack raises its own rotation cap to 365 days (the program accepts it); the pack allows at most 30 here.
    pack_config = tmp_path / "pack.json"
    pack_config.write_text(json.dumps({"token-rotation-limit": {"maxDays": 30}}))
    set_values(preview_stack, rotationDays=60, guardrails={"maxRotationDays": 365})
    try:
        with pytest.raises(PolicyViolationError) as refused:
            preview_in_process(preview_stack, pack_config_file=pack_config)
        in_process = str(refused.value)
        for member in ("john", "sarah"):
            assert (
                f"policy token-rotation-limit ({member}-token): member '{member}': token rotates after 60 days; "
                "at most 30 are allowed" in in_process
            )
        workspace = preview_stack.workspace
        assert isinstance(workspace, auto.LocalWorkspace)
        repo = ["--stack", "preview", "--repo", str(workspace.work_dir), "--policy-pack-config", str(pack_config)]
        env: dict[str, Any] = dict(workspace.env_vars or {})
        with pytest.MonkeyPatch.context() as patch:
            for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
                patch.setenv(key, env[key])
            assert main(["preview", *repo, "--engine"]) == 2
            engine_err = capsys.readouterr().err
            assert main(["preview", *repo]) == 2
            in_process_err = capsys.readouterr().err
        violations = sorted(line.strip() for line in engine_err.splitlines() if line.strip().startswith("policy "))
        assert violations and violations == sorted(
            line.strip() for line in in_process_err.splitlines() if line.strip().startswith("policy ")
        )
    finally:
        set_values(preview_stack, rotationDays=90, guardrails={"maxRotationDays": 90})


def test_the_command_prints_the_plan_in_words_and_a_summary(
    preview_stack: auto.Stack, admin: DirectusClient, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = preview_stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    repo = ["--stack", "preview", "--repo", str(workspace.work_dir)]
    set_values(preview_stack, templates={**TEMPLATES, "analysis": {"collections": ["articles", "internal_notes"]}})
    try:
        with pytest.MonkeyPatch.context() as patch:
            for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
                patch.setenv(key, (workspace.env_vars or {})[key])
            assert main(["preview", *repo]) == 0
            out = capsys.readouterr().out
            assert main(["preview", *repo, "--engine"]) == 0
            engine = capsys.readouterr().out
        # One added grant is one line, by collection and action (not a list shifted by position), both ways.
        for printed in (out, engine):
            assert "  ~  analysis-permissions: " in printed
            assert "       - declared but missing in Directus: read on internal_notes" in printed
            assert "Resources: 1 to update, " in printed
            assert "Policy pack directus-mcp-access-guardrails: no violation" in printed
            assert "{'update': 1, " in printed  # the closing summary line counts operations like the engine's
        assert "planned by the Pulumi engine" in engine and "planned in process" in out
        # The engine path tells "deleted by hand" from "not applied yet" by the refresh's steps, as from the state.
        assert preview_with_engine(preview_stack, {}, own_pack=False)[0].state_urns == read_state(preview_stack).urns
        plan = [line for line in out.splitlines() if line.startswith("  ")]
        assert plan == [line for line in engine.splitlines() if line.startswith("  ")]  # the same plan, line by line
    finally:
        set_values(preview_stack, templates=TEMPLATES)

"""The in-process plan's classification of each registration, with scripted providers (the engine's rules).

The real providers' ``read``/``diff`` are covered by their own tests and, against the engine, by the drift matrix
(``tests/e2e/test_drift.py``); here each rule of ``step_generator.go`` the plan mirrors is pinned on its own.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import pytest
from pulumi.dynamic import CheckFailure, CheckResult, DiffResult, ReadResult, ResourceProvider
from pulumi.output import Unknown

from components.kinds import ROLE, STATIC_TOKEN, USER
from components.ops.drift.declared import Registration
from components.ops.drift.plan import PlanError, Planner, Providers, Refreshed, Replay
from components.ops.drift.state import MASK, StackState, StateResource
from components.ops.drift.wording import drifted

PREFIX = "urn:pulumi:team::directus-mcp-access::"


class Scripted(ResourceProvider):
    """Answers ``diff`` with a fixed result and ``check`` with fixed failures."""

    def __init__(self, diff: DiffResult, failures: list[CheckFailure] | None = None) -> None:
        self._diff = diff
        self._failures = failures or []
        self.diffed: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, self._failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        self.diffed.append((id_, olds, news))
        return self._diff

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        raise AssertionError("reads are given to the planner already done")


def resource(kind_type: str, name: str, id_: str, outputs: dict[str, Any], **extra: Any) -> StateResource:
    return StateResource(
        urn=f"{PREFIX}{kind_type}::{name}",
        type=kind_type,
        id=id_,
        custom=True,
        inputs={k: v for k, v in outputs.items() if k != "token"},
        outputs=outputs,
        **extra,
    )


def done(value: Refreshed | None) -> Future[Refreshed | None]:
    future: Future[Refreshed | None] = Future()
    future.set_result(value)
    return future


def planner_for(
    resources: list[StateResource], provider: ResourceProvider, deleted: frozenset[str] = frozenset()
) -> tuple[Planner, StackState]:
    state = StackState(stack="team", resources=resources, raw=[])
    reads = {
        r.urn: done(None if r.urn in deleted else Refreshed(r, r.id, dict(r.inputs), dict(r.outputs)))
        for r in resources
    }
    providers = Providers({})
    providers.for_type = lambda type_: provider  # type: ignore[method-assign]
    return Planner(state, reads, providers), state


def register(kind_type: str, resource_name: str, **inputs: Any) -> Registration:
    urn = f"{PREFIX}{kind_type}::{resource_name}"
    return Registration(urn=urn, type=kind_type, name=resource_name, custom=True, inputs=inputs)


ROLE_OUT = {"name": "MCP content (team)", "role_id": "r1"}


def test_no_change_keeps_the_id_and_the_outputs_and_plans_nothing() -> None:
    role = resource(ROLE.type, "content-role", "r1", ROLE_OUT)
    planner, state = planner_for([role], Scripted(DiffResult(changes=False)))
    assert planner.answer(register(ROLE.type, "content-role", name="MCP content (team)")) == ("r1", ROLE_OUT)
    steps = planner.finish(state)
    assert [s.op for s in steps] == ["same"]
    assert drifted(steps, state.urns) == []


def test_changes_without_replaces_are_an_update_that_keeps_the_id_known() -> None:
    role = resource(ROLE.type, "content-role", "r1", {**ROLE_OUT, "name": "Renamed by hand"})
    provider = Scripted(DiffResult(changes=True))
    planner, state = planner_for([role], provider)
    assert planner.answer(register(ROLE.type, "content-role", name="MCP content (team)")) == ("r1", {})
    (item,) = drifted(planner.finish(state), state.urns)
    assert (item.name, item.operation, item.properties) == ("content-role", "update", ("name",))
    assert provider.diffed[0][0] == "r1" and provider.diffed[0][1]["name"] == "Renamed by hand"


def test_a_replacement_creates_first_leaves_the_id_unknown_and_deletes_last() -> None:
    token = resource(STATIC_TOKEN.type, "john-token", "t1", {"user_id": "u1", "status": "invalid", "token": "s3cr3t"})
    token = StateResource(**{**token.__dict__, "secret_outputs": frozenset({"token"})})
    planner, state = planner_for([token], Scripted(DiffResult(changes=True, replaces=["token"])))
    assert planner.answer(register(STATIC_TOKEN.type, "john-token", user_id="u1")) == ("", {})
    steps = planner.finish(state)
    assert [s.op for s in steps] == ["create-replacement", "replace", "delete-replaced"]
    assert all((s.old_outputs or {}).get("token") == MASK for s in steps)  # never the token itself
    (item,) = drifted(steps, state.urns)
    assert item.operation == "replace"


def test_delete_before_replace_deletes_first_and_words_the_create() -> None:
    role = resource(ROLE.type, "content-role", "r1", ROLE_OUT)
    provider = Scripted(DiffResult(changes=True, replaces=["name"], delete_before_replace=True))
    planner, state = planner_for([role], provider)
    planner.answer(register(ROLE.type, "content-role", name="Other"))
    steps = planner.finish(state)
    assert [s.op for s in steps] == ["delete-replaced", "replace", "create-replacement"]
    assert drifted(steps, state.urns)[0].operation == "create-replacement"


def test_unknown_changes_fall_back_to_comparing_old_and_new_inputs() -> None:
    role = resource(ROLE.type, "content-role", "r1", ROLE_OUT)
    planner, state = planner_for([role], Scripted(DiffResult(changes=None)))
    planner.answer(register(ROLE.type, "content-role", **ROLE_OUT))
    assert [s.op for s in planner.finish(state)] == ["same"]
    planner, state = planner_for([role], Scripted(DiffResult(changes=None)))
    planner.answer(register(ROLE.type, "content-role", **{**ROLE_OUT, "name": "Other"}))
    assert [s.op for s in planner.finish(state)] == ["update"]


def test_deleted_out_of_band_is_a_create_of_something_that_was_in_the_state() -> None:
    user = resource(USER.type, "john-user", "u1", {"email": "ai-john@x.com"})
    planner, state = planner_for([user], Scripted(DiffResult(changes=False)), deleted=frozenset({user.urn}))
    unknown = Unknown()  # type: ignore[no-untyped-call]
    assert planner.answer(register(USER.type, "john-user", email="ai-john@x.com", role=unknown)) == ("", {})
    steps = planner.finish(state)
    assert steps[0].new_inputs == {"email": "ai-john@x.com", "role": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}
    (item,) = drifted(steps, state.urns)
    assert item.summary == "the MCP user of member john is gone from Directus (deleted by hand?): `up` re-creates it"


def test_in_the_state_but_declared_no_more_is_a_delete_and_condemned_leftovers_too() -> None:
    user = resource(USER.type, "john-user", "u1", {"email": "ai-john@x.com"})
    old = StateResource(**{**resource(ROLE.type, "old-role", "r0", ROLE_OUT).__dict__, "delete": True})
    planner, state = planner_for([user, old], Scripted(DiffResult(changes=False)))
    steps = planner.finish(state)
    assert sorted((s.urn.rsplit("::", 1)[-1], s.op) for s in steps) == [("john-user", "delete"), ("old-role", "delete")]
    assert drifted(steps, state.urns)[0].summary.endswith("is no longer declared: `up` removes it from Directus")


def test_check_failures_stop_the_plan_naming_resource_property_and_reason() -> None:
    role = resource(ROLE.type, "content-role", "r1", ROLE_OUT)
    failing = Scripted(DiffResult(changes=False), [CheckFailure("name", "'' is not a name")])
    planner, state = planner_for([role], failing)
    planner.answer(register(ROLE.type, "content-role", name=""))
    with pytest.raises(PlanError, match="content-role: name: '' is not a name"):
        planner.finish(state)


class AnswersIds:
    """A planner stand-in that answers each registration by URN with a scripted id."""

    def __init__(self, ids: dict[str, str]) -> None:
        self.ids = ids
        self.answered: list[str] = []

    def answer(self, registration: Registration) -> tuple[str, dict[str, Any]]:
        self.answered.append(registration.urn)
        return self.ids[registration.urn], {}


def recorded_replay() -> Replay:
    """The program's registrations as the last full plan answered them: a user, its token (taking the user's id)
    and a role's access link (taking the role's id in a ``role:<id>`` string)."""
    user = Registration(f"{PREFIX}user", USER.type, "john-user", True, {"email": "ai-john@company.com"})
    token = Registration(f"{PREFIX}token", STATIC_TOKEN.type, "john-token", True, {"user_id": "u-1"})
    link = Registration(f"{PREFIX}link", ROLE.type, "content-link", True, {"linked_to": ["role:r-7"]})
    replay = Replay()
    replay.record({"content": "spec"}, [(user, "u-1"), (token, "t-1"), (link, "a-3")])
    return replay


def test_a_replay_holds_while_every_registration_is_answered_the_same_id() -> None:
    planner = AnswersIds({f"{PREFIX}user": "u-1", f"{PREFIX}token": "t-1", f"{PREFIX}link": "a-3"})
    assert recorded_replay().answer_again(planner)  # type: ignore[arg-type]
    assert len(planner.answered) == 3


def test_a_replay_holds_when_the_id_that_changed_is_taken_by_no_registration() -> None:
    """A token to replace (set by hand) or an access link deleted by hand: nothing declares with their ids."""
    planner = AnswersIds({f"{PREFIX}user": "u-1", f"{PREFIX}token": "", f"{PREFIX}link": ""})
    assert recorded_replay().answer_again(planner)  # type: ignore[arg-type]


def test_a_replay_ends_when_an_id_another_registration_took_changes() -> None:
    """The user deleted by hand: its token was declared with the user's id, so the program must run again."""
    planner = AnswersIds({f"{PREFIX}user": "", f"{PREFIX}token": "t-1", f"{PREFIX}link": "a-3"})
    assert not recorded_replay().answer_again(planner)  # type: ignore[arg-type]
    assert planner.answered == [f"{PREFIX}user"]


def test_a_replay_ends_when_a_resource_to_create_is_now_known() -> None:
    """Recorded as to be created (id unknown): what took its id saw an unknown, so nothing can be reused."""
    replay = recorded_replay()
    replay.calls[2] = (replay.calls[2][0], "")
    planner = AnswersIds({f"{PREFIX}user": "u-1", f"{PREFIX}token": "t-1", f"{PREFIX}link": "a-9"})
    assert not replay.answer_again(planner)  # type: ignore[arg-type]

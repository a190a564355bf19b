"""The one list of object kinds (components.kinds) is what the providers, drift, the policy pack and the docs use."""

from __future__ import annotations

import base64
import importlib
import re

import dill
import pytest

from components.kinds import KINDS, Kind, kind_named
from components.names import PROJECT_ROOT, docs_page, kind_of_type
from components.providers.base import DirectusProvider, DirectusResource
from tests.helpers.state_fixture import load_fixture, pickled_class_paths, plain, resources


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_each_kind_has_its_provider_at_the_path_pulumi_state_pickles(kind: Kind) -> None:
    module_path, class_name = kind.provider_path.rsplit(".", 1)
    provider = getattr(importlib.import_module(module_path), class_name)
    assert issubclass(provider, DirectusProvider)
    assert provider.__module__ == module_path, "a provider class moved: existing stacks could not refresh or delete"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_each_kind_has_one_resource_class_typed_by_its_entry(kind: Kind) -> None:
    module = importlib.import_module(f"components.providers.{kind.module}")
    typed = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, DirectusResource)
        and value.__module__ == module.__name__
        and getattr(value, "_directus_kind", None) is kind
    ]
    assert len(typed) == 1, f"{module.__name__} should declare one resource class with kind={kind.name}"


def test_kinds_are_named_once() -> None:
    assert len({k.name for k in KINDS}) == len(KINDS)
    assert len({k.provider_path for k in KINDS}) == len(KINDS)
    assert all(k.type == f"pulumi-python:dynamic/directus:{k.name}" for k in KINDS)


def test_docs_list_every_kind_with_its_words_and_provider() -> None:
    """The documentation's table of kinds is the list, not a copy that drifts from it."""
    readme = (PROJECT_ROOT / docs_page("kinds").split("#")[0]).read_text()
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \| (\w+) \| `components/providers/(\w+)\.py` \|", readme, re.MULTILINE)
    assert [(name, words.strip(), owner, module) for name, words, owner, module in rows] == [
        (k.name, k.words, k.owner, k.module) for k in KINDS
    ]


def test_every_pickled_provider_of_the_old_state_is_a_listed_kind_and_still_imports() -> None:
    """A rename or move of a provider class is caught here, before any slow test (see ``Kind.provider_path``)."""
    listed = {kind.provider_path for kind in KINDS}
    seen: set[str] = set()
    for resource in resources(load_fixture()):
        if "__provider" not in resource.get("inputs", {}):
            continue
        kind = kind_named(kind_of_type(resource["type"]))
        assert kind is not None, f"{resource['urn']}: its type is not one of components.kinds"
        for key in ("inputs", "outputs"):
            encoded = plain(resource[key]["__provider"])
            paths = pickled_class_paths(encoded)
            assert paths == [kind.provider_path], f"{resource['urn']} ({key}) pickles {paths}"
            assert set(paths) <= listed
            # What the engine's provider process does with it (safe: our committed file, its one global checked).
            provider = dill.loads(base64.b64decode(encoded))  # noqa: S301
            assert f"{type(provider).__module__}.{type(provider).__qualname__}" == kind.provider_path
        seen.add(kind.provider_path)
    assert seen == listed, f"the fixture should cover every kind; missing: {sorted(listed - seen)}"

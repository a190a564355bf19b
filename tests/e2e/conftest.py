"""Fixtures for end-to-end tests: a stack of this project in a temporary folder (see :mod:`tests.helpers.stacks`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi import automation as auto

from components.localdev.server import DirectusInstance
from tests.helpers.stacks import make_stack


@pytest.fixture
def stack(directus: DirectusInstance, tmp_path: Path) -> Iterator[auto.Stack]:
    created = make_stack(directus, tmp_path, "e2e")
    yield created
    created.destroy(color="never")  # harmless when the test destroyed already

"""The state exported before the house (``tests/fixtures/state-before-house/``, see its README): reading it."""

from __future__ import annotations

import base64
import json
import pickletools
from pathlib import Path
from typing import Any

from components.kinds import Kind

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "state-before-house"
#: The passphrase of the fixture's ``secrets_providers`` salt. ``pulumi stack import`` needs a secrets provider
#: in the deployment to store its plaintext secrets with (without one the CLI panics: "attempt to encrypt
#: value"), and every later run of the stack needs this passphrase to read them back.
FIXTURE_PASSPHRASE = "state-fixture-passphrase-not-a-secret"
#: What replaced the token the old run generated (see the fixture's README); the test makes it john's token.
PLACEHOLDER_TOKEN = "fixture-token-not-a-secret-0000000000000000"
STACK = "compat"  # the old stack's name: the URNs and the managed-by markers in Directus carry it
#: Pulumi's marker of a secret value in an exported deployment: {SIG_KEY: SIG_SECRET, "plaintext": <json>}.
SIG_KEY = "4dabf18193072939515e22adb298388d"
SIG_SECRET = "1b47061264138c4ac30d75fd1eb44270"

Resource = dict[str, Any]


def load_fixture() -> dict[str, Any]:
    return json.loads((FIXTURE / "deployment.json").read_text())


def roster() -> dict[str, Any]:
    """The stack config the old run had, without the connection (``directusUrl``, ``provisioningToken``)."""
    return json.loads((FIXTURE / "stack-config.json").read_text())


def plain(value: Any) -> Any:
    """The value of one of the fixture's plaintext secrets (any other value as it is)."""
    if isinstance(value, dict) and SIG_KEY in value:
        return json.loads(value["plaintext"])
    return value


def secret(value: Any) -> dict[str, str]:
    return {SIG_KEY: SIG_SECRET, "plaintext": json.dumps(value)}


def resources(deployment: dict[str, Any], kind: Kind | None = None) -> list[Resource]:
    found: list[Resource] = deployment["deployment"]["resources"]
    return [r for r in found if kind is None or r["type"] == kind.type]


def outputs(resource: Resource) -> dict[str, Any]:
    return {key: plain(value) for key, value in resource["outputs"].items()}


def name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def pickled_class_paths(encoded: str) -> list[str]:
    """The classes a ``__provider`` pickle refers to (``module.Class``), read without unpickling it."""
    strings: list[str] = []
    paths: list[str] = []
    for op, arg, _ in pickletools.genops(base64.b64decode(encoded)):
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"):
            strings.append(str(arg))
        elif op.name == "STACK_GLOBAL":
            paths.append(".".join(strings[-2:]))
        elif op.name == "GLOBAL":
            paths.append(str(arg).replace(" ", "."))
    return paths

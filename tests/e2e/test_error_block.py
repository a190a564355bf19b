"""Failures end with one block a person reads first (through the real CLI and engine): what failed, each distinct
message once without the engine's wrappers, what to do.

Before: a revoked provisioning token printed the Pulumi transcript with the message 11 times (`preview`), 22
(`up`) or 33 (`refresh`) times on 3 members, each prefixed with `Exception calling application:` and ending in
`credentials.. The provisioning token`; a configuration error came twice (`error: ...` and
`error: an unhandled error occurred: ...`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi import automation as auto

from components.cli import main
from components.directus.client import DirectusClient
from components.localdev import server
from components.providers.connection import REJECTED_TOKEN_HINT
from tests.helpers.stacks import NS, make_stack

pytestmark = pytest.mark.e2e
PROVISIONER_TOKEN = "provisioner-token-for-the-error-block-test"  # a made-up test value
STACK = "errors"


@pytest.fixture
def stack(directus: server.DirectusInstance, admin: DirectusClient, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[auto.Stack, str]]:  # fmt: skip
    """A deployed stack of 3 members whose provisioning user's token can be revoked; the CLI finds it."""
    administrator = admin.list_objects("/policies", filter={"admin_access": {"_eq": True}}, fields=["id"])[0]["id"]
    provisioner = admin.create("/users", {"email": "provisioner-errors@example.com", "status": "active",
                                          "token": PROVISIONER_TOKEN})  # fmt: skip
    admin.create("/access", {"user": provisioner["id"], "policy": administrator})
    members = [{"name": n, "email": f"{n}@errors.example.com", "template": "content"} for n in ("ann", "bo", "cy")]
    created = make_stack(directus, tmp_path, STACK, members=members)
    created.set_config(f"{NS}:provisioningToken", auto.ConfigValue(PROVISIONER_TOKEN, secret=True))
    created.up(color="never")
    workspace = created.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    for key in ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"):
        monkeypatch.setenv(key, (workspace.env_vars or {})[key])
    try:
        yield created, str(workspace.work_dir)
    finally:
        admin.update("/users", provisioner["id"], {"token": PROVISIONER_TOKEN})
        created.destroy(color="never")
        admin.delete("/users", provisioner["id"])


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("operation", ["preview", "up", "refresh"])
def test_a_revoked_provisioning_token_is_one_block_naming_the_endpoints_and_what_to_do(
    stack: tuple[auto.Stack, str], admin: DirectusClient, capsys: pytest.CaptureFixture[str], operation: str
) -> None:
    deployed, repo = stack
    before = deployed.export_stack().deployment["resources"]
    provisioner = admin.list_objects("/users", filter={"email": {"_eq": "provisioner-errors@example.com"}})[0]
    admin.update("/users", provisioner["id"], {"token": None})  # revoked by hand
    engine = ["--engine"] if operation == "preview" else []  # the engine's transcript, made one block
    code, err = _run(capsys, operation, "--stack", STACK, "--repo", repo, *engine)
    assert code == 2
    lines = err.strip().splitlines()
    assert sum(line.startswith("error:") for line in lines) == 1
    assert err.count("401 INVALID_CREDENTIALS: Invalid user credentials.") == 1  # once, for every endpoint
    assert "Exception calling application" not in err and ".." not in err
    hint = f"what to do: {REJECTED_TOKEN_HINT}".replace("-s STACK ", f"-s {STACK} ")  # the block names the stack
    if operation == "up":
        # `mcp-access up` reads Directus itself before the engine runs (members revoked by hand, the backup before
        # schema access): the same block then comes from that first request.
        assert lines[0] == "error: Directus GET /users failed: 401 INVALID_CREDENTIALS: Invalid user credentials."
        assert lines[1] == hint
        assert lines[2:] == []
    else:
        assert lines[0] == f"error: the Pulumi run on stack '{STACK}' failed:"
        assert lines[1].startswith("  Directus GET /") and lines[1].endswith(" failed: 401 INVALID_CREDENTIALS: "
                                                                              "Invalid user credentials.")  # fmt: skip
        assert lines[2] == hint
        assert lines[3:] == ["  the engine's full output: run the command again with --verbose"]
    assert PROVISIONER_TOKEN not in err
    if operation != "refresh":  # a refresh may record what it read before the failure
        assert deployed.export_stack().deployment["resources"] == before


def test_the_in_process_preview_with_a_revoked_token_is_one_block_naming_the_endpoint_and_what_to_do(
    stack: tuple[auto.Stack, str], admin: DirectusClient, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed, repo = stack
    before = deployed.export_stack().deployment["resources"]
    provisioner = admin.list_objects("/users", filter={"email": {"_eq": "provisioner-errors@example.com"}})[0]
    admin.update("/users", provisioner["id"], {"token": None})  # revoked by hand
    code, err = _run(capsys, "preview", "--stack", STACK, "--repo", repo)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 2, err
    assert lines[0].startswith("error: Directus GET /") and lines[0].endswith(
        " failed: 401 INVALID_CREDENTIALS: Invalid user credentials."
    )
    assert lines[1].startswith("what to do: The provisioning token was rejected (revoked, expired or wrong)")
    assert PROVISIONER_TOKEN not in err
    assert deployed.export_stack().deployment["resources"] == before


def test_a_configuration_error_is_printed_once_with_the_field_and_the_file(
    stack: tuple[auto.Stack, str], capsys: pytest.CaptureFixture[str]
) -> None:
    deployed, repo = stack
    members = [{"name": "ann", "email": "not-an-email", "template": "content"}]
    deployed.set_config(f"{NS}:members", auto.ConfigValue(json.dumps(members)))
    code, err = _run(capsys, "preview", "--stack", STACK, "--repo", repo, "--engine")
    assert code == 2
    assert err.strip().splitlines() == [  # found before the engine starts, naming the file
        f"error: stacks/Pulumi.{STACK}.yaml: invalid stack configuration:",
        "  members[0].email: 'not-an-email' is not a valid email address",
        f"what to do: fix it in stacks/Pulumi.{STACK}.yaml (docs/configuration.md)",
    ]
    assert "unhandled error" not in err


def test_verbose_streams_the_engine_transcript_before_the_block(
    stack: tuple[auto.Stack, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, repo = stack
    assert main(["preview", "--stack", STACK, "--repo", repo, "--verbose", "--engine"]) == 0
    out = capsys.readouterr().out
    assert "Previewing update (errors)" in out and f"pulumi preview (stack {STACK}) finished" in out

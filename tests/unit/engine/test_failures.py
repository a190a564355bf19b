"""The engine's transcript becomes one block: each distinct failure once, no wrappers, the hints once."""

from __future__ import annotations

from components.engine.failures import engine_failure, failure_text

#: Recorded before the fix: `mcp-access preview` with members[0].email 'not-an-email' printed this (exit 2).
CONFIG_ERROR = """
 code: 1
 stdout: Previewing update (local):
+ pulumi:pulumi:Stack: (create)
    [urn=urn:pulumi:local::directus-mcp-access::pulumi:pulumi:Stack::directus-mcp-access-local]
Resources:
    + 1 to create
 stderr: error: invalid stack configuration:
  members[0].email: 'not-an-email' is not a valid email address
what to do: fix it in stacks/Pulumi.local.yaml (README, "Configuration")
error: an unhandled error occurred: invalid stack configuration:
  members[0].email: 'not-an-email' is not a valid email address
what to do: fix it in stacks/Pulumi.local.yaml (README, "Configuration")
"""

PROVIDER_ERRORS = (
    "\n".join(
        f"""  pulumi-python:dynamic/directus:User ({name}-user):
    error: Exception calling application: Directus GET /users failed: 401 INVALID_CREDENTIALS: Invalid user credentials.
    what to do: set a valid token"""
        for name in ("john", "sarah", "lee")
    )
    + "\n  pulumi:pulumi:Stack (directus-mcp-access-x):\n    error: update failed\n"
)


def test_a_configuration_error_is_reported_once_with_its_details_and_hint() -> None:
    found = engine_failure(CONFIG_ERROR)
    assert found.failures == [
        "invalid stack configuration:\n  members[0].email: 'not-an-email' is not a valid email address"
    ]
    assert found.hints == ['fix it in stacks/Pulumi.local.yaml (README, "Configuration")']


def test_a_provider_error_repeated_per_resource_is_reported_once_without_grpc_wrappers() -> None:
    found = engine_failure(PROVIDER_ERRORS)
    assert found.failures == ["Directus GET /users failed: 401 INVALID_CREDENTIALS: Invalid user credentials."]
    assert found.hints == ["set a valid token"]
    message, hint = failure_text(found, stack="x", fallback="")
    assert message.startswith("the Pulumi run on stack 'x' failed:\n  Directus GET /users failed")
    assert "Exception calling application" not in message and ".." not in message
    assert hint == "set a valid token\n  the engine's full output: run the command again with --verbose"


def test_an_unparsed_transcript_falls_back_to_its_end() -> None:
    message, _ = failure_text(engine_failure("panic: something odd\n"), stack="x", fallback="panic: something odd")
    assert message == "the Pulumi run on stack 'x' failed:\n  panic: something odd"

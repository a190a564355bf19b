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
what to do: fix it in stacks/Pulumi.local.yaml (docs/configuration.md)
error: an unhandled error occurred: invalid stack configuration:
  members[0].email: 'not-an-email' is not a valid email address
what to do: fix it in stacks/Pulumi.local.yaml (docs/configuration.md)
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
    assert found.hints == ["fix it in stacks/Pulumi.local.yaml (docs/configuration.md)"]


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


def test_mandatory_policy_violations_are_listed_with_the_pack_hint() -> None:
    transcript = """Policies:
    ❌ directus-mcp-access-guardrails@v0.1.0 (local: /work/wt-13a/policy/analyzer)
        - [mandatory]  token-rotation-limit  (pulumi-python:dynamic/directus:StaticToken: john-token)
          Static tokens rotate within the configured maximum (90 days).
          member 'john': token rotates after 120 days; at most 90 are allowed
        - [mandatory]  token-rotation-limit  (pulumi-python:dynamic/directus:StaticToken: sarah-token)
          Static tokens rotate within the configured maximum (90 days).
          member 'sarah': token rotates after 120 days; at most 90 are allowed

Diagnostics:
  pulumi:pulumi:Stack (directus-mcp-access-team):
    error: preview failed
"""
    found = engine_failure(transcript)
    assert found.failures == [
        "policy token-rotation-limit (john-token): member 'john': token rotates after 120 days; at most 90 are allowed",
        "policy token-rotation-limit (sarah-token): member 'sarah': token rotates after 120 days; at most 90 are "
        "allowed",
    ]
    assert found.hints[0].startswith("change the stack so that the guardrail policy pack passes")


def test_a_violation_in_diff_output_is_found_too() -> None:
    transcript = (
        "    directus-mcp-access-guardrails@v0.1.0 [mandatory]  token-rotation-limit  "
        "(pulumi-python:dynamic/directus:StaticToken: john-token)Static tokens rotate within the maximum.\n"
        "member 'john': token rotates after 120 days; at most 90 are allowed\n"
        "        + pulumi-python:dynamic/directus:StaticToken: (create)\n"
    )
    assert engine_failure(transcript).failures == [
        "policy token-rotation-limit (john-token): member 'john': token rotates after 120 days; at most 90 are allowed"
    ]

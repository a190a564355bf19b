"""What only a cluster can show: two Directus instances on one database, sharing Redis (profile ``postgres-redis``).

``up`` talks to the first instance; an AI assistant may be routed to either. Before each change both instances
have served the member (so whatever they cache about the token and its permissions is warm); right after
``up`` returns, both must already answer with the new access, with no wait and no retry.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pulumi import automation as auto

from components.directus.client import DirectusClient
from components.directus.mcp import McpError, ToolResult, call_tool, initialize
from components.localdev.server import DirectusInstance
from tests.helpers.stacks import make_stack, set_values

pytestmark = [pytest.mark.core, pytest.mark.cluster]

EXTRA = "cluster_notes"
TEMPLATES = {"content": {"collections": ["articles"]}}
MEMBERS = [
    {"name": "john", "email": "john@company.com", "template": "content"},
    {"name": "sarah", "email": "sarah@company.com", "template": "content"},
]


def read(url: str, token: str, collection: str) -> ToolResult:
    return call_tool(f"{url}/mcp", token, "items", {"action": "read", "collection": collection})


def mcp_status(url: str, token: str) -> int:
    """200 when ``initialize`` on ``url``'s ``/mcp`` succeeds with ``token``, else the HTTP status."""
    try:
        initialize(f"{url}/mcp", token)
    except McpError as exc:
        return exc.status
    return 200


def warm(directus: DirectusInstance, token: str, collection: str = "articles") -> None:
    """Use the token on every instance, so that each has cached what it caches about it."""
    for url in directus.urls:
        assert mcp_status(url, token) == 200
        assert not read(url, token, collection).is_error


@pytest.fixture(scope="module")
def cluster(directus: DirectusInstance, tmp_path_factory: pytest.TempPathFactory) -> Iterator[auto.Stack]:
    assert len(directus.urls) == 2, "this module runs on a two-instance profile"
    with DirectusClient(directus.url, directus.admin_token) as admin:
        admin.create(
            "/collections",
            {
                "collection": EXTRA,
                "schema": {},
                "fields": [
                    {"field": "id", "type": "integer", "schema": {"is_primary_key": True, "has_auto_increment": True}},
                    {"field": "title", "type": "string", "schema": {}},
                ],
            },
        )
        admin.create_many(f"/items/{EXTRA}", [{"title": "visible once granted"}])
    stack = make_stack(directus, tmp_path_factory.mktemp("cluster"), "cluster", templates=TEMPLATES, members=MEMBERS)
    stack.up(color="never")
    yield stack
    stack.destroy(color="never")


def tokens(stack: auto.Stack) -> dict[str, str]:
    return dict(stack.outputs()["tokens"].value)


def test_a_collection_added_to_a_template_is_allowed_on_both_instances_at_once(
    cluster: auto.Stack, directus: DirectusInstance
) -> None:
    token = tokens(cluster)["john"]
    warm(directus, token)
    for url in directus.urls:
        refused = read(url, token, EXTRA)
        assert refused.is_error and "FORBIDDEN" in refused.text, url

    set_values(cluster, templates={"content": {"collections": ["articles", EXTRA]}})
    cluster.up(color="never")
    for url in directus.urls:
        allowed = read(url, token, EXTRA)
        assert not allowed.is_error, (url, allowed.text)
        assert "visible once granted" in allowed.text

    set_values(cluster, templates=TEMPLATES)
    cluster.up(color="never")
    for url in directus.urls:
        assert read(url, token, EXTRA).is_error, url


def test_rotation_makes_the_old_token_fail_on_both_instances_at_once(
    cluster: auto.Stack, directus: DirectusInstance
) -> None:
    old = tokens(cluster)["john"]
    warm(directus, old)
    resources = cluster.export_stack().deployment["resources"]
    urn = next(r["urn"] for r in resources if r["urn"].endswith("::john-token"))
    cluster.up(color="never", replace=[urn])
    new = tokens(cluster)["john"]
    assert new != old
    assert [mcp_status(url, old) for url in directus.urls] == [401, 401]
    assert [mcp_status(url, new) for url in directus.urls] == [200, 200]


def test_disabling_then_removing_a_member_revokes_its_token_on_both_instances_at_once(
    cluster: auto.Stack, directus: DirectusInstance
) -> None:
    sarah = tokens(cluster)["sarah"]
    warm(directus, sarah)
    set_values(cluster, members=[MEMBERS[0], {**MEMBERS[1], "enabled": False}])
    cluster.up(color="never")
    assert [mcp_status(url, sarah) for url in directus.urls] == [401, 401]

    set_values(cluster, members=MEMBERS)
    cluster.up(color="never")
    sarah = tokens(cluster)["sarah"]
    warm(directus, sarah)
    set_values(cluster, members=[MEMBERS[0]])
    cluster.up(color="never")
    assert [mcp_status(url, sarah) for url in directus.urls] == [401, 401]
    john = tokens(cluster)["john"]
    assert [mcp_status(url, john) for url in directus.urls] == [200, 200]  # the others keep working

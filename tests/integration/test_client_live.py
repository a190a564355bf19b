"""The client against a real Directus: lists, filters, batches, 403-as-missing, auth errors."""

from __future__ import annotations

import pytest

from components.directus.client import DirectusClient
from components.directus.errors import DirectusAuthError, DirectusForbiddenError, DirectusValidationError
from components.localdev.server import DirectusInstance


def test_batch_create_filtered_list_and_batch_delete(admin: DirectusClient) -> None:
    rows = admin.create_many("/items/articles", [{"title": f"batch {i}"} for i in range(3)])
    ids = [r["id"] for r in rows]
    found = admin.list_objects("/items/articles", filter={"id": {"_in": ids}}, fields=["id", "title"])
    assert sorted(r["id"] for r in found) == sorted(ids)
    admin.delete_many("/items/articles", ids)
    assert admin.list_objects("/items/articles", filter={"id": {"_in": ids}}) == []


def test_limit_minus_one_returns_more_than_the_default_page(admin: DirectusClient) -> None:
    rows = admin.create_many("/items/articles", [{"title": f"many {i}"} for i in range(120)])
    try:
        assert len(admin.list_objects("/items/articles", filter={"title": {"_starts_with": "many "}})) == 120
    finally:
        admin.delete_many("/items/articles", [r["id"] for r in rows])


def test_missing_object_is_forbidden_but_exists_tells_the_truth(admin: DirectusClient) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(DirectusForbiddenError):
        admin.get(f"/users/{missing}")
    assert admin.exists("/users", missing) is False
    admin.delete("/users", missing)  # already gone is success


def test_wrong_token_is_an_auth_error_without_the_token(directus: DirectusInstance) -> None:
    bad = "definitely-not-a-valid-token-123456"
    with DirectusClient(directus.url, bad) as client, pytest.raises(DirectusAuthError) as caught:
        client.whoami()
    assert bad not in str(caught.value)
    assert "GET /users/me" in str(caught.value)


def test_duplicate_token_value_is_a_validation_error(admin: DirectusClient) -> None:
    users = admin.create_many("/users", [{"email": f"dup{i}@example.com"} for i in range(2)])
    try:
        admin.update("/users", users[0]["id"], {"token": "shared-token-value-abcdef"})
        with pytest.raises(DirectusValidationError) as caught:
            admin.update("/users", users[1]["id"], {"token": "shared-token-value-abcdef"})
        assert caught.value.code == "RECORD_NOT_UNIQUE"
        assert "shared-token-value-abcdef" not in str(caught.value)
    finally:
        admin.delete_many("/users", [u["id"] for u in users])

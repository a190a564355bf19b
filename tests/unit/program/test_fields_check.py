"""Fields named by a grant's field list or filter must exist in the live schema (checked before any change)."""

from __future__ import annotations

from typing import Any

from components.model.item_filters import filter_fields
from components.model.role_templates import Grant, RoleSpec
from components.program.fields_check import missing_field_errors, needs_fields

URL = "https://cms.example.com"
LIVE = {"articles": {"id", "title", "body", "date_created", "author"}, "directus_files": {"id", "title"}}


def specs(*grants: Grant) -> dict[str, RoleSpec]:
    return {"reader": RoleSpec(template="reader", description="reads", permissions=list(grants))}


def grant(collection: str = "articles", fields: list[str] | None = None, filter_: Any = None) -> Grant:
    return Grant(collection=collection, actions=["read"], fields=fields or ["*"], filter=filter_)


def test_the_fields_a_filter_names_on_its_own_collection() -> None:
    assert filter_fields(
        {
            "_and": [{"title": {"_nnull": True}}, {"_or": [{"year(date_created)": {"_eq": 2026}}]}],
            "author": {"name": {"_eq": "x"}},  # name belongs to the related collection
        }
    ) == {"title", "date_created", "author"}


def test_every_unknown_field_is_named_with_template_collection_and_where() -> None:
    errors = missing_field_errors(
        specs(grant(fields=["id", "titel"], filter_={"_or": [{"statsu": {"_eq": "published"}}]})), LIVE, URL
    )
    assert errors == [
        f"role template 'reader': the grant on 'articles' names field 'titel' in its field list, which does not exist "
        f"in the Directus at {URL}",
        f"role template 'reader': the grant on 'articles' names field 'statsu' in its filter, which does not exist in "
        f"the Directus at {URL}",
    ]


def test_known_fields_a_missing_collection_and_plain_grants_pass() -> None:
    ok = specs(grant(fields=["id", "title"], filter_={"author": {"name": {"_eq": "x"}}}), grant("gone", ["nope"]))
    assert missing_field_errors(ok, LIVE, URL) == []  # "gone" is the collections check's to report


def test_the_schema_is_read_only_when_a_grant_limits_fields_or_filters() -> None:
    assert not needs_fields(specs(grant(), grant("directus_files")))
    assert needs_fields(specs(grant(), grant(fields=["id"])))
    assert needs_fields(specs(grant(filter_={"title": {"_eq": "x"}})))

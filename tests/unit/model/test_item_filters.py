"""Field lists and item filters in role templates: checked before anything is sent, rendered into permission rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components.model.item_filters import filter_problem
from components.model.role_templates import (
    TEMPLATE_DIR,
    RenderContext,
    TemplateError,
    available_templates,
    project_templates,
    render,
)

READER = """description: reads published articles, some fields
permissions:
  - collection: articles
    actions: [read]
    fields: {{ vars.fields | tojson }}
    filter: {{ vars.filter | tojson }}
  - collection: directus_fields
    actions: [read]
"""


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    (tmp_path / "reader.yaml.j2").write_text(READER)
    return tmp_path


def rendered(templates: Path, filter_: Any, fields: Any = ("*",)) -> list[dict[str, Any]]:
    context = RenderContext(stack="staging", vars={"filter": filter_, "fields": list(fields)})
    return render("reader", context, templates).permission_rows()


@pytest.mark.parametrize(
    "filter_",
    [
        {"user_created": {"_eq": "$CURRENT_USER"}},
        {"status": {"_eq": "published"}},
        {"_and": [{"status": {"_eq": "published"}}, {"_or": [{"id": {"_in": [1, 2]}}, {"title": {"_null": True}}]}]},
        {"author": {"name": {"_icontains": "a"}}},  # a field of the related collection
        {"tags": {"_some": {"name": {"_eq": "public"}}}},  # one-to-many
        {"date_created": {"_gte": "$NOW(-30 days)", "_lte": "$NOW"}},
    ],
)
def test_directus_filters_are_accepted(filter_: dict[str, Any]) -> None:
    assert filter_problem(filter_) is None


@pytest.mark.parametrize(
    ("filter_", "problem"),
    [
        ({"_bogus": {"_eq": 1}}, "has '_bogus' where a field name, _and or _or belongs"),
        ({"title": {"_equals": "x"}}, "uses '_equals' on field 'title', which is not a Directus filter operator"),
        ({"title": "x"}, "needs a condition object for field 'title' (e.g. {'_eq': ...}), got 'x'"),
        ({"title": {}}, "needs a condition object for field 'title'"),
        ({"_or": []}, "needs a non-empty list of filter objects under _or, got []"),
        ({"_and": [{"id": {"_eq": 1}}, "x"]}, "must be an object of field names or _and/_or at _and[1], got 'x'"),
        ({"author": {"name": {"_like": "a"}}}, "uses '_like' on field 'author.name'"),
        (["status"], "must be an object of field names or _and/_or"),
    ],
)
def test_bad_filters_say_what_is_wrong_and_where(filter_: Any, problem: str) -> None:
    assert problem in (filter_problem(filter_) or "")


def test_a_filter_and_a_field_list_render_into_the_permission_row(templates: Path) -> None:
    rows = rendered(templates, {"status": {"_eq": "published"}}, ["title", "id"])
    assert rows == [
        {
            "collection": "articles",
            "action": "read",
            "fields": ["id", "title"],
            "permissions": {"status": {"_eq": "published"}},
        },
        {"collection": "directus_fields", "action": "read", "fields": ["*"]},
    ]


@pytest.mark.parametrize("empty", [None, {}])
def test_a_grant_without_filter_renders_no_filter_key_as_rows_in_old_state(templates: Path, empty: Any) -> None:
    [articles, _] = rendered(templates, empty)
    assert articles == {"collection": "articles", "action": "read", "fields": ["*"]}


@pytest.mark.parametrize(
    ("filter_", "words"),
    [
        ({"status": {"_equals": "published"}}, "uses '_equals' on field 'status', which is not a Directus filter"),
        ("published", "must be an object of field names or _and/_or (filter: 'published')"),
        ([{"status": {"_eq": "published"}}], "must be an object of field names or _and/_or"),
    ],
)
def test_a_bad_filter_in_a_template_names_template_collection_and_value(
    templates: Path, filter_: Any, words: str
) -> None:
    with pytest.raises(TemplateError) as caught:
        rendered(templates, filter_)
    message = str(caught.value)
    assert message.startswith(f"role template 'reader' ({templates / 'reader.yaml.j2'}) renders invalid content: ")
    assert "permissions.0: the filter of the grant on 'articles' " in message and words in message
    assert repr(filter_) in message
    assert "Value error" not in message


def test_an_empty_field_list_is_refused(templates: Path) -> None:
    with pytest.raises(TemplateError) as caught:
        rendered(templates, None, fields=[])
    assert "permissions.0.fields: List should have at least 1 item after validation, not 0 (got [])" in str(
        caught.value
    )


def test_a_project_with_its_own_templates_folder_uses_it_else_this_installations(tmp_path: Path) -> None:
    assert project_templates(tmp_path) == TEMPLATE_DIR
    assert project_templates(None) == TEMPLATE_DIR
    own = tmp_path / "templates" / "roles"
    own.mkdir(parents=True)
    (own / "reader.yaml.j2").write_text(READER)
    assert project_templates(tmp_path) == own
    assert available_templates(project_templates(tmp_path)) == ["reader"]
    spec = render("reader", RenderContext(stack="s", vars={"filter": None, "fields": ["*"]}), own)
    assert json.loads(spec.model_dump_json())["permissions"][0]["filter"] is None

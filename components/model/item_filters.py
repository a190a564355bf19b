"""The shape of a Directus permission filter (a grant's ``filter``), checked before anything is sent.

Directus 11.17.4 stores any JSON object as a permission's filter (verified: ``{"nope": {"_eq": 1}}`` and
``{"title": {"_bogus": 1}}`` are both accepted with 200), so a typo would only show up when a member's request
fails or silently matches nothing. This module checks the grammar of Directus's filter rules:

- a filter object maps field names to conditions, or ``_and`` / ``_or`` to a list of filter objects;
- a condition maps operators (``_eq``, ``_in``, ...) to values, or, for a relational field, names of the related
  collection's fields to conditions; ``_some`` / ``_none`` (one-to-many) take a filter object.

Whether the fields exist is the server's business; values such as ``$CURRENT_USER`` are not interpreted here.
"""

from __future__ import annotations

LOGICAL = ("_and", "_or")
RELATIONAL = ("_some", "_none")
#: The field operators of ``@directus/types`` (``FieldFilterOperator``, ``ClientFilterOperator``) in 11.17.4 and
#: 12.4.1 (``_json`` is 12.x only).
OPERATORS = frozenset(
    {
        "_eq", "_neq", "_lt", "_lte", "_gt", "_gte", "_in", "_nin", "_null", "_nnull",
        "_contains", "_ncontains", "_icontains", "_starts_with", "_nstarts_with", "_istarts_with",
        "_nistarts_with", "_ends_with", "_nends_with", "_iends_with", "_niends_with", "_between", "_nbetween",
        "_empty", "_nempty", "_intersects", "_nintersects", "_intersects_bbox", "_nintersects_bbox", "_regex",
        "_json",
    }
)  # fmt: skip


def filter_problem(value: object) -> str | None:
    """Why ``value`` is not a Directus filter object, in words that follow "the filter ..."; ``None`` if it is."""
    return _filter_object(value, "")


def _at(where: str) -> str:
    return f" at {where}" if where else ""


def _filter_object(value: object, where: str) -> str | None:
    if not isinstance(value, dict):
        got = f" at {where}, got {value!r}" if where else ""  # at the top, the caller shows the whole filter
        return f"must be an object of field names or _and/_or{got}"
    for key, item in value.items():
        path = f"{where}.{key}" if where else str(key)
        if key in LOGICAL:
            if not isinstance(item, list) or not item:
                return f"needs a non-empty list of filter objects under {path}, got {item!r}"
            for index, part in enumerate(item):
                if problem := _filter_object(part, f"{path}[{index}]"):
                    return problem
        elif not isinstance(key, str) or not key or key.startswith("_"):
            return f"has {key!r}{_at(where)} where a field name, _and or _or belongs"
        elif problem := _condition(item, path):
            return problem
    return None


def _condition(value: object, field: str) -> str | None:
    if not isinstance(value, dict) or not value:
        return f"needs a condition object for field {field!r} (e.g. {{'_eq': ...}}), got {value!r}"
    for key, item in value.items():
        if key in RELATIONAL:
            if problem := _filter_object(item, f"{field}.{key}"):
                return problem
        elif isinstance(key, str) and key.startswith("_"):
            if key not in OPERATORS:
                return f"uses {key!r} on field {field!r}, which is not a Directus filter operator"
        elif problem := _condition(item, f"{field}.{key}"):  # a field of the related collection
            return problem
    return None


def filter_fields(value: dict[str, object]) -> set[str]:
    """The fields of the filtered collection itself that a (valid) filter names, through ``_and``/``_or``.

    ``year(date_created)`` names ``date_created``; what follows a relational field belongs to another collection.
    """
    names: set[str] = set()
    for key, item in value.items():
        if key in LOGICAL and isinstance(item, list):
            for part in item:
                if isinstance(part, dict):
                    names |= filter_fields(part)
        elif not key.startswith("_"):
            names.add(key.split("(", 1)[1].rstrip(")") if "(" in key else key)
    return names

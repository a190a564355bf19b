"""The documentation that messages point at exists: every page and anchor of ``names.DOCS_PAGES``, and no message
points at a README section any more (the README is short; the documentation is the ``docs/`` site)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from components.names import DOCS_PAGES, PROJECT_ROOT, docs_page

README_MAX_LINES = 250


def _anchors(page: Path) -> set[str]:
    """The anchors MkDocs gives the page's headings (its default ``toc`` slugs), outside code blocks."""
    anchors, fenced = set(), False
    for line in page.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (heading := re.match(r"^#{1,6} (.+)$", line)):
            slug = re.sub(r"[^\w\s-]", "", heading.group(1).lower()).strip()
            anchors.add(re.sub(r"[-\s]+", "-", slug))
    return anchors


@pytest.mark.parametrize("topic", sorted(DOCS_PAGES))
def test_every_page_a_message_names_exists_with_its_anchor(topic: str) -> None:
    path, _, anchor = docs_page(topic).partition("#")
    page = PROJECT_ROOT / path
    assert page.is_file(), f"{topic}: {path} does not exist"
    if anchor:
        assert anchor in _anchors(page), f"{topic}: no heading with anchor #{anchor} in {path}"


def test_no_module_points_at_a_readme_section() -> None:
    stale = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for path in sorted((PROJECT_ROOT / "components").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r'README, "|see the README|README.s "', line)
    ]
    assert stale == []


def test_readme_is_short_and_links_only_to_existing_files() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= README_MAX_LINES
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    missing = [target for target in targets if "://" not in target and not (PROJECT_ROOT / target).exists()]
    assert targets and missing == []

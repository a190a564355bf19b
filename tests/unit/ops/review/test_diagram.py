"""The review's Mermaid diagram: who gains or loses what, drawn member → template → collection.

The syntax is checked by Mermaid's own parser (``mmdc`` on Debian's Chromium, from tools/bootstrap.sh), which
also draws the PNG the docs show (``MCP_ACCESS_UPDATE_DOCS=1`` writes docs/review-diagram.png).
"""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import pytest

from components.cli import main
from components.names import PROJECT_ROOT
from components.ops.review.diagram import NARROW_STYLE, WIDEN_STYLE, to_mermaid
from components.ops.review.diff import Change
from components.ops.review.render import render_json, render_markdown
from components.ops.review.run import review
from tests.helpers.browser import ARTIFACTS, mermaid_blocks, run_mmdc
from tests.unit.ops.review.test_review import PRODUCTION, Repo


def gained(member: str, template: str, collection: str, action: str, stack: str = "production") -> Change:
    return Change("action_gained", stack, "", member=member, template=template, collection=collection, action=action)


def lost(member: str, template: str, collection: str, action: str, stack: str = "production") -> Change:
    return Change("action_lost", stack, "", member=member, template=template, collection=collection, action=action)


def test_gains_and_losses_become_edges_in_two_styles() -> None:
    source = to_mermaid(
        [
            gained("john", "content", "articles", "read"),
            gained("john", "content", "articles", "delete"),
            lost("sarah", "analysis", "pages", "read"),
        ]
    )
    assert source is not None
    lines = source.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  subgraph n0["stack production"]' in lines
    assert lines[2:8] == [
        '    n1(["john"])',
        '    n2(["sarah"])',
        '    n3{{"analysis"}}',
        '    n4{{"content"}}',
        '    n5[("articles")]',
        '    n6[("pages")]',
    ]
    edges = [line.strip() for line in lines if "->" in line]
    assert edges == [
        "n1 --> n4",  # john -> content (widening: solid)
        "n2 -.-> n3",  # sarah -> analysis (narrowing: dashed)
        'n4 -->|"gains read, ⚠ delete"| n5',  # content -> articles
        'n3 -.->|"loses read"| n6',  # analysis -> pages
    ]
    assert f"  linkStyle 0 {WIDEN_STYLE}" in lines and f"  linkStyle 3 {NARROW_STYLE}" in lines


def test_no_member_change_no_diagram() -> None:
    assert to_mermaid([Change("flag_changed", "production", "rotation 30 → 60 days", flag="rotationDays")]) is None


def test_quotes_in_names_cannot_break_the_diagram() -> None:
    source = to_mermaid([gained('o"brien', "content", "a<b>", "read")])
    assert source is not None and '"o#quot;brien"' in source and '"a#lt;b#gt;"' in source


@pytest.fixture
def changed_repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path)
    repo.write_stack("production", PRODUCTION)
    staging = copy.deepcopy(PRODUCTION) | {"directusUrl": "https://staging.example.com"}
    repo.write_stack("staging", staging)
    repo.commit("base")
    members = copy.deepcopy(PRODUCTION["members"])
    members[0]["template"] = "developer"
    members.append({"name": "lee", "email": "lee@company.com", "template": "content"})
    templates = {"content": {"collections": ["articles", "pages"]}, "analysis": {"collections": []}}
    templates["developer"] = {"collections": ["articles"]}
    settings = copy.deepcopy(PRODUCTION) | {
        "members": members,
        "templates": templates,
        "guardrails": {"allowAdminAccess": True},
        "mcp": {"enabled": True, "allowDeletes": True},
    }
    repo.write_stack("staging", settings | {"directusUrl": "https://staging.example.com"})
    return repo


def test_the_review_comment_carries_a_diagram_mermaid_parses(
    changed_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["review", "--repo", str(changed_repo.project), "--base", "HEAD"])
    out = capsys.readouterr().out
    assert code == 0
    blocks = mermaid_blocks(out)
    assert len(blocks) == 1
    assert out.index("- ⚠ staging:") < out.index("```mermaid")  # the words first, for screen readers
    diagram = blocks[0]
    assert 'subgraph n0["stack staging"]' in diagram and "production" not in diagram
    # lee joins content (deletes now on): one node for the collections that get the same actions
    assert '[("articles, pages, directus_files, directus_folders")]' in diagram
    assert '-->|"gains read, create, update, ⚠ delete"|' in diagram
    assert '-.->|"loses read"|' in diagram  # sarah's analysis lost articles
    assert '[("⚠ admin access")]' in diagram and '-->|"gains admin"|' in diagram  # john, through developer
    result = run_mmdc(diagram, ARTIFACTS / "review-diagram.png")
    assert result.returncode == 0, result.stderr
    assert (ARTIFACTS / "review-diagram.png").stat().st_size > 10_000
    if os.environ.get("MCP_ACCESS_UPDATE_DOCS"):
        shutil.copy(ARTIFACTS / "review-diagram.png", PROJECT_ROOT / "docs" / "review-diagram.png")
    # --json keeps the facts as they were, with no diagram in them
    assert "mermaid" not in render_json(review(changed_repo.project, base_ref="HEAD"))


def test_mermaid_rejects_what_it_cannot_parse(tmp_path: Path) -> None:
    """The syntax check can fail: a broken edge label is refused by the same parser."""
    result = run_mmdc('flowchart LR\n  a -->|"unclosed| b\n', tmp_path / "broken.svg")
    assert result.returncode != 0
    assert "Parse error" in result.stderr


def test_a_review_too_long_for_a_comment_drops_the_diagram_not_the_fence(changed_repo: Repo) -> None:
    result = review(changed_repo.project, base_ref="HEAD")
    full = render_markdown(result)
    assert "```mermaid" in full
    short = render_markdown(result, limit=len(full) - 10)
    assert "```mermaid" not in short and short.count("```") % 2 == 0


def test_a_huge_change_is_cut_with_a_note_not_left_unreadable() -> None:
    changes = [gained(f"m{i:03d}", f"t{i}", f"c{i}", "read") for i in range(150)]
    source = to_mermaid(changes, max_edges=200)
    assert source is not None
    assert sum("linkStyle" in line for line in source.splitlines()) == 200
    assert 'more["100 more edges left out: see the list above"]' in source

"""The report page from hand-built facts: what a reviewer sees, and that the page needs nothing from elsewhere."""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pulumi import automation as auto

from components.errors import StackNotFoundError
from components.ops.report.render import ReportError, check_writable, render_page, write_page
from components.ops.report.run import gather
from components.ops.report.view import TEMPLATE_STYLES, page_view
from tests.helpers.report_facts import member_name, report_facts, stack_facts


class Tables(HTMLParser):
    """The page's matrix rows (member -> {collection: cell text}) and the findings' ids, texts and links."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, dict[str, str]]] = {}
        self.findings: dict[str, str] = {}
        self.links: list[str] = []
        self.attrs_seen: list[tuple[str, str]] = []
        self._stack = ""
        self._member: str | None = None
        self._cell: str | None = None
        self._finding: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.attrs_seen += [(k, v) for k, v in a.items()]
        if tag == "section":
            self._stack = a["id"]
            self.rows[self._stack] = {}
        if tag == "tr" and "data-member" in a:
            self._member = a["data-member"]
            self.rows[self._stack][self._member] = {}
        if tag == "td" and "data-collection" in a:
            self._cell, self._text = a["data-collection"], []
        if tag == "li" and a.get("class") == "finding":
            self._finding, self._text = a["id"], []
        if tag == "a" and self._finding:
            self.links.append(a["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell and self._member:
            self.rows[self._stack][self._member][self._cell] = "".join(self._text).strip()
            self._cell = None
        if tag == "li" and self._finding and self._text:
            self.findings[self._finding] = " ".join("".join(self._text).split())
            self._finding = None

    def handle_data(self, data: str) -> None:
        self._text.append(data)


def parse(html: str) -> Tables:
    tables = Tables()
    tables.feed(html)
    return tables


def test_the_matrix_has_one_row_per_member_with_each_cell_and_risky_rights_marked() -> None:
    page = parse(render_page(report_facts(stack_facts("production", 6))))
    rows = page.rows["production"]
    assert list(rows) == [member_name(i) for i in range(6)]
    assert rows["member000"]["articles"].startswith("read‡")  # analysis: fields and filter limited
    assert rows["member001"]["articles"] == "read, create, update, ⚠ delete"
    assert rows["member001"]["directus_fields"] == "read"
    assert rows["member002"]["directus_fields"] == "read, create, update schema"
    assert rows["member000"]["directus_fields"] == "none"


def test_admin_schema_and_disabled_members_stand_out() -> None:
    html = render_page(report_facts(stack_facts("production", 17)))
    row = re.search(r'<tr id="production--member--member002"[^>]*>(.*?)</tr>', html, re.DOTALL)
    assert row is not None
    assert '<span class="badge admin">⚠ admin</span>' in row.group(1)
    assert '<span class="badge schema">⚠ schema</span>' in row.group(1)
    disabled = re.search(r'<tr id="production--member--member016"[^>]*>(.*?)</tr>', html, re.DOTALL)
    assert disabled is not None and '<span class="badge disabled">disabled</span>' in disabled.group(1)
    assert "analysis: articles read: fields id, title; items where" in html


def test_every_finding_is_listed_with_an_id_and_a_link_to_what_it_concerns() -> None:
    facts = stack_facts("production", 6)
    page = parse(render_page(report_facts(facts)))
    texts = list(page.findings.values())
    assert len(texts) == facts.drift.findings + len(facts.audit.findings) == 6
    assert texts[0].startswith("Changed by hand: member000-user: the MCP user of member member000 differs")
    assert texts[1].startswith("Changed by hand: mcp-settings: the MCP settings differ")
    assert "active user eve@company.com is not managed by stack 'production'" in texts[2]
    assert any("mass deletion by member000 on articles (12 rows)" in t for t in texts)
    assert "#production--member--member000" in page.links  # drift and audit findings link to the member's row
    assert "#production--member--member001" in page.links  # the rotation finding
    assert "#production" in page.links  # the MCP settings: the stack's section


def test_several_stacks_get_a_section_each() -> None:
    page = parse(render_page(report_facts(stack_facts("staging", 2), stack_facts("production", 3))))
    assert list(page.rows) == ["staging", "production"]
    assert list(page.rows["production"]) == [member_name(i) for i in range(3)]


def test_the_page_asks_for_nothing_from_anywhere_else() -> None:
    html = render_page(report_facts(stack_facts("production", 6)))
    page = parse(html)
    assert "<script" not in html and "@import" not in html and "url(" not in html
    assert not [(k, v) for k, v in page.attrs_seen if k in ("src", "srcset", "data")]
    assert all(v.startswith("#") for k, v in page.attrs_seen if k == "href")
    assert "default-src 'none'" in html  # the browser refuses any fetch even if something slipped in


def test_each_chart_has_a_text_alternative_and_a_table() -> None:
    facts = stack_facts("production", 6)
    view = page_view(report_facts(facts)).stacks[0]
    html = render_page(report_facts(facts))
    assert html.count('role="img"') == 2
    assert f'<desc id="production-tl-desc">{view.timeline.summary}</desc>' in html
    assert view.timeline.summary.startswith("Writes per member per day from 2026-11-07 to 2026-12-07: ")
    assert "1 outside working hours, 1 mass deletions marked" in view.timeline.summary
    assert sum(n for _, _, n, _ in view.timeline.table) == sum(r.total for r in view.timeline.rows) > 0
    assert ('class="mark-mass"' in html) and ('class="mark-hours"' in html)
    events = {(e.kind, e.who) for e in view.calendar.events}
    assert ("rotation", "member000") in events and ("review", "all") in events
    assert ("oauth-token", "member000") in events and ("oauth-client", "Claude") in events
    assert ("expiry", "member002") in events  # a member whose access ends (the `expires` of the members output)
    assert 'class="ev-expiry"' in html and "1 members' access ending" in view.calendar.summary


def test_template_colours_differ_in_lightness_and_have_symbols() -> None:
    def luminance(colour: str) -> float:
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    first_three = sorted(luminance(c) for c, _ in TEMPLATE_STYLES[:3])
    assert min(b - a for a, b in itertools.pairwise(first_three)) > 25
    assert len({s for _, s in TEMPLATE_STYLES}) == len(TEMPLATE_STYLES)


def test_the_page_is_written_whole_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.html"
    assert write_page(target, "<p>ok</p>") == len("<p>ok</p>")
    assert target.read_text() == "<p>ok</p>"

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", broken_replace)
    with pytest.raises(ReportError, match=r"report\.html: cannot write there"):
        write_page(target, "<p>new</p>")
    assert target.read_text() == "<p>ok</p>"  # the old page is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no temporary file left


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing/report.html", "the folder .*missing does not exist"),
        (".", "is a folder, not a file"),
    ],
)
def test_an_unwritable_html_path_is_refused_by_name(tmp_path: Path, where: str, message: str) -> None:
    with pytest.raises(ReportError, match=f"--html {tmp_path}.*{message}"):
        check_writable(tmp_path / where)


def test_a_read_only_place_is_refused_before_anything_is_written() -> None:
    with pytest.raises(ReportError, match=r"--html /proc/report\.html: "):
        write_page(Path("/proc/report.html"), "<p>x</p>")
    assert not Path("/proc/report.html").exists()


def test_an_unknown_stack_is_named(tmp_path: Path) -> None:
    def opener(name: str) -> auto.Stack:
        raise auto.StackNotFoundError(Exception(f"no stack named '{name}' found"))

    with pytest.raises(StackNotFoundError, match="stack 'nope' does not exist in its backend yet"):
        gather(["nope"], opener, tmp_path)


def test_the_command_refuses_an_unwritable_html_path_before_opening_any_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from components.cli import main

    target = tmp_path / "no-such-folder" / "report.html"
    code = main(["report", "--stack", "production", "--repo", str(tmp_path), "--html", str(target)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"error: --html {target}: the folder {target.parent} does not exist")
    assert not target.parent.exists()


def test_the_command_without_stacks_or_stack_files_says_what_to_give(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from components.cli import main

    (tmp_path / "stacks").mkdir()
    code = main(["report", "--repo", str(tmp_path), "--html", str(tmp_path / "report.html")])
    assert code == 2
    assert "error: no stack to report on: give --stack" in capsys.readouterr().err
    assert not (tmp_path / "report.html").exists()


def test_a_year_long_audit_keeps_the_timeline_about_a_screen_wide() -> None:
    view = page_view(report_facts(stack_facts("production", 6, days=365))).stacks[0].timeline
    assert view.days == 366 and view.day_width == 4
    assert view.width < 1700
    assert [label for _, label in view.ticks][:2] == ["Dec 07", "Jan 04"]  # a tick every four weeks

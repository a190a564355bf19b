"""The report page as HTML (Jinja templates in ``templates/report/``), and writing it without a partial file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import jinja2

from components.errors import McpAccessError
from components.names import PROJECT_ROOT
from components.ops.report.charts import CALENDAR_LANES
from components.ops.report.facts import ReportFacts
from components.ops.report.view import TEMPLATE_STYLES, PageView, page_view

REPORT_TEMPLATES_DIR = PROJECT_ROOT / "templates" / "report"
PAGE_TEMPLATE = "page.html.j2"
#: Template colours dark text reads better on.
LIGHT_COLOURS = frozenset({"#e69f00", "#f0e442", "#56b4e9", "#cc79a7", "#009e73"})


class ReportError(McpAccessError):
    """The page cannot be written where ``--html`` says (the message names the file and why)."""


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(REPORT_TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )


def render_view(page: PageView) -> str:
    template = _environment().get_template(PAGE_TEMPLATE)
    return template.render(page=page, styles=TEMPLATE_STYLES, light=LIGHT_COLOURS, lanes=CALENDAR_LANES)


def render_page(facts: ReportFacts) -> str:
    return render_view(page_view(facts))


def check_writable(path: Path) -> None:
    """Refuse, before anything is gathered, a ``--html`` path that cannot be written."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ReportError(f"--html {path}: is a folder, not a file")
    if not folder.is_dir():
        raise ReportError(f"--html {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ReportError(f"--html {path}: no permission to write there")


def write_page(path: Path, html: str) -> int:
    """Write ``html`` to ``path`` atomically (a temporary file in the same folder, then a rename); its size."""
    check_writable(path)
    data = html.encode()
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ReportError(f"--html {path}: cannot write there ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise ReportError(f"--html {path}: cannot write there ({exc.strerror})") from None
    return len(data)

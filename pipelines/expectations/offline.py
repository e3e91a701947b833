"""GX Data Docs that open offline: rewrite the pages after GX builds the site.

GX's page templates load Bootstrap, jQuery, bootstrap-table, Font Awesome, Vega and GX's logo
from CDNs. On a server without internet (or an analyst's laptop on a train) the index then shows
an empty table, because its rows are drawn by bootstrap-table from a script. Vendoring those
libraries would put some megabytes of third-party builds in the repository; the pages do not
need them. So after every build, `make_offline(docs_dir)` rewrites each page:

- every `<script src>` and `<link rel=stylesheet>` that points outside the site is removed, and
  so is every inline script that needs jQuery (tooltips, "show failed only", table filters);
- the index's bootstrap-table calls are turned into plain HTML tables (GX passes the rows as a
  literal in the page; they are rendered here in Python, sorted as GX would sort them, with a
  link to every validation page);
- GX's logo is taken from the site's own `static/images/` instead of GX's web server, and the
  links to `static/` are made right for the page's depth (GX's favicon link is one level short);
- one small stylesheet of our own (`static/styles/lvv_offline.css`, below) styles the Bootstrap
  classes the pages use, shows the tab panes one under the other and draws the status icons.

No request leaves the machine: tests/test_data_docs_offline.py opens every page in Chromium
with the network blocked.
"""

from __future__ import annotations

import ast
import html
import os
import re
from pathlib import Path

OFFLINE_CSS_NAME = "lvv_offline.css"
MARKER = "<!-- lvv-monitor: offline -->"

_EXTERNAL_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']https?://[^>]*>\s*</script>", re.IGNORECASE)
_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']https?://[^>]*>", re.IGNORECASE)
_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
_GX_LOGO = re.compile(r"src=[\"']https?://[^\"']*great-expectations[^\"']*/(?P<name>[\w.-]+\.png)(\?[^\"']*)?[\"']")
_LOCAL_STATIC = re.compile(r"(?P<attr>href|src)=\"(?:\./|(?:\.\./)+)static/")
_TABLE_CALL = re.compile(r"\$\('#(?P<id>[\w-]+)'\)\.bootstrapTable\(\s*Object\.assign\(", re.DOTALL)
_TOOLBAR = re.compile(r"<div id=\"(?P<id>[\w-]+)-toolbar\"[^>]*>.*?</div>", re.DOTALL)
_NEEDS_JQUERY = ("$(", "jQuery", "bootstrapTable", "vegaEmbed")


def make_offline(docs_dir: Path) -> list[Path]:
    """Rewrite every HTML page under `docs_dir` so it needs nothing from the network; returns the
    pages rewritten (a page already rewritten is left as it is)."""
    docs_dir = Path(docs_dir)
    if not docs_dir.is_dir():
        return []
    styles = docs_dir / "static" / "styles"
    styles.mkdir(parents=True, exist_ok=True)
    (styles / OFFLINE_CSS_NAME).write_text(OFFLINE_CSS, encoding="utf-8")
    rewritten = []
    for page in sorted(docs_dir.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if MARKER in text:
            continue
        static = os.path.relpath(docs_dir / "static", page.parent).replace(os.sep, "/")
        page.write_text(offline_page(text, static), encoding="utf-8")
        rewritten.append(page)
    return rewritten


def offline_page(text: str, static: str) -> str:
    """One page without network: see the module docstring. `static` is the relative path from
    the page to the site's `static/` folder."""
    text = _render_tables(text)
    text = _EXTERNAL_SCRIPT.sub("", text)
    text = _EXTERNAL_LINK.sub("", text)
    text = _INLINE_SCRIPT.sub(lambda m: "" if any(s in m.group(1) for s in _NEEDS_JQUERY) else m.group(0), text)
    text = _GX_LOGO.sub(lambda m: f'src="{static}/images/{m.group("name")}"', text)
    # GX's own relative links to static/ are one level short on the validation pages (favicon).
    text = _LOCAL_STATIC.sub(lambda m: f'{m.group("attr")}="{static}/', text)
    stylesheet = f'{MARKER}\n    <link rel="stylesheet" href="{static}/styles/{OFFLINE_CSS_NAME}">'
    return re.sub(r"</head>", stylesheet + "\n  </head>", text, count=1, flags=re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# bootstrap-table → HTML


def _render_tables(text: str) -> str:
    """Replace each `$('#id').bootstrapTable(Object.assign({columns, data, ...}, {...}))` by the
    table it would draw, filled into the page's empty `<table id="id">`."""
    while (match := _TABLE_CALL.search(text)) is not None:  # search again: each rewrite shifts the text
        table_id = match.group("id")
        first, end = _balanced(text, match.end())
        second, _ = _balanced(text, _skip_comma(text, end))
        spec, options = _js_object(first), _js_object(second)
        rendered = _html_table(table_id, spec.get("columns", []), spec.get("data", []), options)
        text = text[:match.start()] + text[match.start():].replace("bootstrapTable(", "bootstrapTable_(", 1)
        text = re.sub(
            rf"<table\s+id=\"{re.escape(table_id)}\".*?</table>", lambda _: rendered, text, count=1, flags=re.DOTALL
        )
        text = _TOOLBAR.sub(lambda m: "" if m.group("id") == table_id else m.group(0), text)
    return text


def _balanced(text: str, start: int) -> tuple[str, int]:
    """The `{...}` object literal that starts at or after `start` (quotes respected), and the
    index just after it."""
    begin = text.index("{", start)
    depth, quote, escaped = 0, None, False
    for i in range(begin, len(text)):
        ch = text[i]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[begin:i + 1], i + 1
    raise ValueError("onafgesloten object in de Data Docs-pagina")


def _skip_comma(text: str, index: int) -> int:
    return text.index(",", index) + 1


def _js_object(literal: str) -> dict:
    """GX writes these objects as Python reprs, except for a few bare keys (`columns:`)."""
    quoted = re.sub(r"(?m)^(\s*)([A-Za-z_]\w*)\s*:", r"\1'\2':", literal)
    return ast.literal_eval(quoted)


def _html_table(table_id: str, columns: list[dict], rows: list[dict], options: dict) -> str:
    sort_field = options.get("sortName")
    if sort_field:
        sort_key = next((c.get("sortName", c["field"]) for c in columns if c["field"] == sort_field), sort_field)
        rows = sorted(rows, key=lambda row: str(row.get(sort_key, "")), reverse=options.get("sortOrder") == "desc")
    has_links = any(row.get("_table_row_link_path") for row in rows)
    head = "".join(f"<th>{html.escape(str(c.get('title', c['field'])))}</th>" for c in columns)
    head += "<th>Pagina</th>" if has_links else ""
    body = []
    for row in rows:
        cells = "".join(f"<td>{row.get(c['field'], '')}</td>" for c in columns)  # GX's own HTML fragments
        if has_links:
            link = row.get("_table_row_link_path")
            cells += f'<td><a href="{html.escape(link)}">bekijken</a></td>' if link else "<td></td>"
        body.append(f"<tr>{cells}</tr>")
    return (f'<table id="{table_id}" class="table table-sm table-striped ge-offline-table">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


# ---------------------------------------------------------------------------------------------
# The stylesheet: the part of Bootstrap 4 the GX pages use, and the icons.

OFFLINE_CSS = """\
/* lvv-monitor: offline styles for GX Data Docs (pipelines/expectations/offline.py). */
*, *::before, *::after { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #212529; background: #fff; }
a { color: #0b5cad; }
.container, .container-fluid { width: 100%; padding: 0 15px; margin: 0 auto; }
.row { display: flex; flex-wrap: wrap; margin: 0 -15px; }
[class^="col"], [class*=" col"] { padding: 0 15px; flex: 1 1 100%; max-width: 100%; }
@media (min-width: 768px) {
  .col-md-2 { flex: 0 0 16.66%; max-width: 16.66%; } .col-md-3 { flex: 0 0 25%; max-width: 25%; }
  .col-md-8 { flex: 0 0 66.66%; max-width: 66.66%; } .col-md-9 { flex: 0 0 75%; max-width: 75%; }
  .col-md-10 { flex: 0 0 83.33%; max-width: 83.33%; }
}
.d-flex { display: flex; } .d-none { display: none; } .flex-column { flex-direction: column; }
.m-0 { margin: 0; } .p-0 { padding: 0; } .p-1 { padding: .25rem; } .p-2 { padding: .5rem; } .p-3 { padding: 1rem; }
.mt-1, .my-1 { margin-top: .25rem; } .mb-1, .my-1 { margin-bottom: .25rem; } .mb-2 { margin-bottom: .5rem; } .mb-3 { margin-bottom: 1rem; }
.table { width: 100%; border-collapse: collapse; margin-bottom: 1rem; }
.table th, .table td { padding: .3rem .5rem; border-top: 1px solid #dee2e6; vertical-align: top; text-align: left; }
.table thead th { border-bottom: 2px solid #dee2e6; }
.table-striped tbody tr:nth-of-type(odd) { background: #f6f7f9; }
.table-responsive { overflow-x: auto; }
.card { border: 1px solid #dee2e6; border-radius: .25rem; margin-bottom: 1rem; background: #fff; }
.card-header { padding: .5rem 1rem; background: #f7f7f9; border-bottom: 1px solid #dee2e6; }
.card-body { padding: 1rem; }
.alert { padding: .5rem 1rem; border-radius: .25rem; margin-bottom: 1rem; }
.alert-secondary { background: #e2e3e5; } .alert-danger { background: #f8d7da; } .alert-success { background: #d4edda; }
.badge { display: inline-block; padding: .2em .5em; font-size: 80%; border-radius: .25rem; background: #6c757d; color: #fff; }
.badge-success { background: #1e7e34; } .badge-danger { background: #c82333; } .badge-info { background: #117a8b; }
.text-success { color: #1e7e34; } .text-danger { color: #c82333; } .text-muted { color: #6c757d; }
.btn { display: inline-block; padding: .25rem .5rem; border: 1px solid #6c757d; border-radius: .25rem; background: #f8f9fa; color: inherit; text-decoration: none; }
.navbar { display: flex; align-items: center; padding: .5rem 1rem; border-bottom: 1px solid #dee2e6; background: #f8f9fa; }
.navbar-brand img { height: 32px; }
.nav { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .5rem; }
.nav-link { display: block; padding: .25rem .5rem; }
.breadcrumb { display: flex; list-style: none; padding: .5rem 0; margin: 0; gap: .5rem; }
.breadcrumb-item + .breadcrumb-item::before { content: "/ "; color: #6c757d; }
.sticky-top, .sticky { position: sticky; top: 0; }
.collapse, .tab-pane, .fade { display: block !important; opacity: 1 !important; }
.tab-content > .tab-pane { margin-bottom: 2rem; }
.fas, .fa { font-style: normal; }
.fa-check-circle::before { content: "\\2714"; }
.fa-times::before, .fa-times-circle::before { content: "\\2718"; }
.fa-exclamation-triangle::before { content: "\\26A0"; }
.fa-info-circle::before, .fa-question-circle::before { content: "\\2139"; }
"""

__all__ = ["make_offline", "offline_page"]

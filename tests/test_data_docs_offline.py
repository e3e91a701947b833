"""GX Data Docs open offline (issue 15): every page of the demo run's site, the index included,
renders in headless Chromium with the network blocked, asks nothing of the network, loads every
local file it names, and shows its validation results."""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser import require_chromium, visit_all_offline

PAGE = r"""
JSON.stringify({
  rows: document.querySelectorAll('table tbody tr').length,
  text: document.body.innerText,
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
  styled: getComputedStyle(document.querySelector('table') || document.body).borderCollapse,
})
"""


def _pages(docs: Path) -> tuple[Path, list[Path], list[Path]]:
    return docs / "index.html", sorted((docs / "validations").rglob("*.html")), sorted((docs / "expectations").rglob("*.html"))


def test_no_page_links_a_script_or_style_outside_the_site(demo_warehouse):
    docs = demo_warehouse.warehouse / "data_docs"
    index, validations, suites = _pages(docs)
    assert index.is_file() and len(validations) >= 10 and len(suites) >= 10
    for page in [index, *validations, *suites]:
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<(script|link|img)\b[^>]*(src|href)=[\"']https?://", html, re.IGNORECASE), page
        assert "bootstrapTable(" not in html, "the index's tables are plain HTML now"


def test_every_data_docs_page_renders_offline_with_its_results(demo_warehouse):
    require_chromium()
    docs = demo_warehouse.warehouse / "data_docs"
    index, validations, suites = _pages(docs)
    pages = [index, *validations, *suites]
    visits = visit_all_offline([p.as_uri() for p in pages], PAGE, timeout=10)
    for page, visit in zip(pages, visits):
        assert visit.outside_requests == [], f"{page.name}: requests to the network {visit.outside_requests}"
        assert visit.failed_requests == [], f"{page.name}: failed loads {visit.failed_requests}"
        assert visit.errors == [], f"{page.name}: {visit.errors[:3]}"
        assert visit.value["styled"] == "collapse", f"{page.name}: the offline stylesheet is applied"

    # The index lists every validation of the run, each with a link to its page.
    seen = visits[0].value
    linked = {link for link in seen["links"] if link.startswith("validations/")}
    assert len(linked) == len(validations)
    assert {(docs / link.replace("%20", " ")).resolve() for link in linked} == {p.resolve() for p in validations}
    assert seen["rows"] >= len(validations) + len(suites)
    # Each validation page shows its results: the statistics and the expectations it evaluated.
    for visit in visits[1:1 + len(validations)]:
        text = visit.value["text"]
        assert "Evaluated Expectations" in text and "Success Percent" in text and visit.value["rows"] >= 5

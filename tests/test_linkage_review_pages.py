"""Reviewers see why (issue 15): an HTML page per candidate pair of the linkage review list,
with the fields that agreed and Splink's waterfall of match weights, beside reviewlijst.csv in
the restricted zone. Checked on the demo run of the session."""

from __future__ import annotations

import csv
import math
import re
from html.parser import HTMLParser
from pathlib import Path

from tests.browser import require_chromium, visit_all_offline


class _Tables(HTMLParser):
    """The rows of every table of a page, as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _rows(page: Path) -> list[list[str]]:
    parser = _Tables()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.rows


def _review_list(warehouse: Path) -> list[dict]:
    with open(warehouse / "review" / "reviewlijst.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_client_of_the_review_list_has_its_candidate_pages(demo_warehouse):
    warehouse = demo_warehouse.warehouse
    folder = warehouse / "review" / "paren"
    listed = _review_list(warehouse)
    assert listed, "the demo has clients for review"
    index = (folder / "index.html").read_text(encoding="utf-8")
    for row in listed:
        pages = sorted(folder.glob(f"{re.sub(r'[^A-Za-z0-9_-]+', '-', row['bron'])}_"
                                   f"{re.sub(r'[^A-Za-z0-9_-]+', '-', row['client_id'])}_*.html"))
        assert row["client_id"] in index
        if row["review_reden"] == "meerdere kandidaten":
            assert len(pages) >= 2, f"{row['client_id']}: every candidate gets a page"
        for page in pages:
            assert page.name in index
            text = page.read_text(encoding="utf-8")
            assert row["review_reden"] in text and "<svg" in text


def test_a_pair_page_shows_which_fields_agreed_and_adds_up(demo_warehouse):
    warehouse = demo_warehouse.warehouse
    listed = {(r["bron"], r["client_id"]): r for r in _review_list(warehouse)}
    pages = sorted((warehouse / "review" / "paren").glob("*_[0-9]*.html"))
    assert pages
    for page in pages:
        rows = _rows(page)
        fields = {r[0]: r for r in rows[1:] if len(r) == 7}
        assert set(fields) == {"v_nummer", "geboortedatum", "geslacht", "nationaliteit"}, page.name
        bron, client_id = re.search(r"<title>Kandidaat \d+: (\S+) (.+?)</title>", page.read_text(encoding="utf-8")).groups()
        client = listed[(bron, client_id)]
        # The client's side is what the review list says; "gelijk" exactly when both sides agree.
        for field in ("geboortedatum", "geslacht", "nationaliteit"):
            _, gemeente, landelijk, niveau, gewicht, _, _ = fields[field]
            assert gemeente == client[field]
            if gemeente and landelijk:
                assert niveau.startswith("gelijk") == (gemeente == landelijk), (page.name, field)
                if gemeente == landelijk:
                    assert float(gewicht) > 0, "agreement is evidence for the match"
            else:
                assert niveau == "leeg" and float(gewicht) == 0
        # Splink's sum: prior + the comparisons' weights = the final match weight; p = 2^w / (1 + 2^w).
        text = page.read_text(encoding="utf-8")
        weight = float(re.search(r"matchgewicht ([+-][\d.]+)", text).group(1))
        probability = float(re.search(r"dezelfde persoon is: <strong>([\d.]+)%", text).group(1)) / 100
        prior = float(re.search(r">prior</text>.*?>([+-][\d.]+)</text>", text).group(1))
        total = prior + sum(float(r[4]) for r in fields.values())
        assert math.isclose(total, weight, abs_tol=0.02), page.name
        assert math.isclose(probability, 2 ** weight / (1 + 2 ** weight), abs_tol=0.001)  # weight shown to 2 decimals, page.name


def test_the_pages_stay_in_the_restricted_zone_and_open_offline(demo_warehouse):
    from pipelines.publish.scanner import scan_for_identifiers

    warehouse = demo_warehouse.warehouse
    folder = warehouse / "review" / "paren"
    # They do hold identifiers (that is what a reviewer needs) ...
    assert scan_for_identifiers([folder], demo_warehouse.pipeline_db)
    # ... and nothing that leaves the zone links to them.
    for outside in [warehouse / "monitor.duckdb", warehouse / "docs", warehouse / "parquet"]:
        assert scan_for_identifiers([outside], demo_warehouse.pipeline_db) == [], outside
    require_chromium()
    pages = sorted(folder.glob("*.html"))
    for visit in visit_all_offline([p.as_uri() for p in pages],
                                   "JSON.stringify({bars: document.querySelectorAll('svg rect').length})", timeout=5):
        assert visit.outside_requests == [] and visit.failed_requests == [] and visit.errors == []


def test_the_waterfall_bars_are_splinks_own_for_every_pair():
    """review.SplinkWaterfalls (made once per comparison level, issue 12) gives per pair exactly
    the data of Splink's `waterfall_chart`, on a model with every kind of level, null ones too."""
    import dataclasses
    import random
    from datetime import date, timedelta

    import duckdb

    from pipelines.linkage import probabilistic as model
    from pipelines.linkage.review import SplinkWaterfalls

    rng = random.Random(12)
    persons = [(f"21{rng.randrange(10**8):08d}", date(1960, 1, 1) + timedelta(days=rng.randrange(15000)),
                rng.choice("MVX"), rng.choice(["ERI", "SYR", "AFG", "XXX"])) for _ in range(300)]
    clients = []
    for i, (v, born, sex, nat) in enumerate(persons[:60]):
        v = None if i % 7 == 0 else (v[:-1] + str((int(v[-1]) + 1) % 10) if i % 3 else v)
        born = None if i % 11 == 0 else (born + timedelta(days=1) if i % 2 else born)
        clients.append(("nieuwste", "utrecht", f"c{i}", v, born, sex if i % 5 else None, nat))
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE national (kennisstand VARCHAR, v_nummer VARCHAR, geboortedatum DATE,"
                " geslacht VARCHAR, nationaliteit VARCHAR)")
    con.executemany("INSERT INTO national VALUES ('nieuwste', ?, ?, ?, ?)", persons)
    con.execute("CREATE TABLE clients (kennisstand VARCHAR, bron VARCHAR, client_id VARCHAR, v_nummer VARCHAR,"
                " geboortedatum DATE, geslacht VARCHAR, nationaliteit VARCHAR)")
    con.executemany("INSERT INTO clients VALUES (?, ?, ?, ?, ?, ?, ?)", clients)
    params = model._measure_parameters(con, "national", ["nieuwste"])
    pairs = con.sql(model._pairs_sql("clients", "national")).to_arrow_table()
    splink = model._import_splink()
    settings = dataclasses.replace(model._splink_settings(params), retain_matching_columns=True,
                                   retain_intermediate_calculation_columns=True)
    private = duckdb.connect(":memory:")
    private.register("paren", pairs)
    private.execute(f"CREATE TABLE records AS {model._records_sql('paren')}")
    linker = splink.Linker(splink.DuckDBAPI(connection=private).register("records", table_name="records"),
                           settings, log_level=None)
    records = linker.inference.predict(warning_mode="never").as_record_list()
    assert len(records) > 50
    waterfalls = SplinkWaterfalls(linker)
    levels = set()
    for record in records:
        chart = linker.visualisations.waterfall_chart([record], filter_nulls=False)
        expected = sorted((dict(v) for v in chart.chart_dict["data"]["values"]), key=lambda v: v["bar_sort_order"])
        assert waterfalls.records(record) == expected
        levels.update((bar["column_name"], bar["label_for_charts"]) for bar in expected)
    # the comparison found its null level and several others: the cache was hit and missed
    assert {("v_nummer", "leeg"), ("geboortedatum", "leeg"), ("geslacht", "leeg")} <= levels
    assert len(levels) >= 12

"""An HTML view per candidate pair of the review list: the reviewer sees why.

`review/reviewlijst.csv` says per client why a person needs a human decision ("meerdere
kandidaten", "geen kandidaat", "tegenstrijdig bewijs", ...). Beside it, in the same restricted
folder, `write_review_pages` writes:

- `review/paren/index.html`: every client of the list with its candidate national persons,
  best first, the match probability of each and a link to the pair's page;
- `review/paren/<bron>_<client_id>_<n>.html`: one page per candidate pair: both records side
  by side, per field whether it agreed (and how: "1 verschil", "dag en maand verwisseld"), and
  Splink's waterfall of match weights: the prior, the weight every comparison adds or takes
  away (log2 of its Bayes factor, with m and u), and the final match weight and probability.

The candidates of a client are the national persons (of the newest kennisstand) the
probabilistic step would pair it with (its blocking rules, pipelines/linkage/probabilistic.py),
plus those with the same birth date, sex and nationality (the contract rule's candidates, which
is why "meerdere kandidaten" has a list) and the one with the delivered v_nummer. They are
scored by Splink 5 with the very model of the probabilistic step; the waterfall's numbers are
Splink's own (the data of `linker.visualisations.waterfall_chart(...)`, made once per comparison
level by `SplinkWaterfalls` rather than per pair), drawn here as inline SVG so
the page opens without the internet (Splink's Vega-Lite charts load their scripts from a CDN).

These pages hold identifiers (v_nummers, birth dates): they stay in `<warehouse>/review/`,
never in the published file or an extract.
"""

from __future__ import annotations

import dataclasses
import html
import math
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from pipelines.config import connect_capped

if TYPE_CHECKING:
    from pipelines.linkage.probabilistic import _Parameters

REVIEW_PAGES_DIR = "paren"
MAX_CANDIDATES = 10  # per client: a reviewer reads the best few, not a block of hundreds


@dataclass(frozen=True)
class CandidatePair:
    """One client of the review list with one national candidate, as Splink scored it."""

    bron: str
    client_id: str
    review_reden: str
    rang: int  # 1 = the best candidate of this client
    v_nummer: str  # the national person's
    match_probability: float
    match_weight: float
    waterfall: list[dict[str, Any]]  # Splink's waterfall records (prior, one per comparison, final)
    values: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)  # field: (gemeente, landelijk)

    @property
    def file_name(self) -> str:
        return f"{_safe(self.bron)}_{_safe(self.client_id)}_{self.rang}.html"


def write_review_pages(con: duckdb.DuckDBPyConnection, warehouse: Path,
                       parameters: _Parameters | None = None) -> list[Path]:
    """Score the review list's candidate pairs and write their pages; returns the pages written.

    `con` is the linkage step's connection (temp tables `link_deterministic`, `link_national`).
    `parameters`: model parameters already measured on `link_national` (see `candidate_pairs`)."""
    folder = Path(warehouse) / "review" / REVIEW_PAGES_DIR
    shutil.rmtree(folder, ignore_errors=True)  # the pages of the newest list only
    folder.mkdir(parents=True, exist_ok=True)
    clients = _review_clients(con)
    pairs = candidate_pairs(con, parameters) if clients else []
    by_client: dict[tuple[str, str], list[CandidatePair]] = {}
    for pair in pairs:
        by_client.setdefault((pair.bron, pair.client_id), []).append(pair)
    written = []
    for pair in pairs:
        path = folder / pair.file_name
        path.write_text(pair_page(pair, len(by_client[(pair.bron, pair.client_id)])), encoding="utf-8")
        written.append(path)
    index = folder / "index.html"
    index.write_text(index_page(clients, by_client), encoding="utf-8")
    return [index, *written]


def _review_clients(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return [tuple(map(str, row)) for row in con.execute("""
        SELECT bron, client_id, review_reden FROM link_deterministic
        WHERE kennisstand = 'nieuwste' AND review_reden IS NOT NULL ORDER BY bron, client_id
    """).fetchall()]


def candidate_pairs(con: duckdb.DuckDBPyConnection, parameters: _Parameters | None = None) -> list[CandidatePair]:
    """Every candidate pair of the newest review list, scored by Splink, best first per client.

    `parameters`: the probabilistic step's model parameters, measured on (a selection by
    kennisstand of) `link_national`; used when their reference kennisstand is 'nieuwste', as they
    then are what measuring on the newest national persons here gives (the measuring reads only the
    rows of the reference kennisstand), otherwise measured here."""
    from pipelines.linkage import probabilistic as model

    con.execute("""
        CREATE OR REPLACE TEMP VIEW review_clients AS
        SELECT kennisstand, bron, client_id, review_reden,
               nullif(split_part(v_nummer_geleverd, ',', 1), '') AS v_nummer,
               geboortedatum, geslacht, nationaliteit
        FROM link_deterministic WHERE kennisstand = 'nieuwste' AND review_reden IS NOT NULL
    """)
    con.execute("CREATE OR REPLACE TEMP VIEW review_national AS "
                "SELECT * FROM link_national WHERE kennisstand = 'nieuwste'")
    if parameters is not None and parameters.reference_kennisstand == "nieuwste":
        params = parameters
    else:
        params = model._measure_parameters(con, "review_national", ["nieuwste"])
    if params is None:
        return []
    pairs = con.sql(_review_pairs_sql(model)).to_arrow_table()
    if pairs.num_rows == 0:
        return []
    return _score_for_review(pairs, params, model)


def _review_pairs_sql(model: Any) -> str:
    """The probabilistic step's candidate pairs, plus equal demographics and the delivered
    v_nummer, in the layout `probabilistic._records_sql` reads (paar, c_*, n_*)."""
    digits = model._digit_counts_sql
    return f"""
        WITH blocked AS ({model._pairs_sql('review_clients', 'review_national')}),
        c AS (SELECT DISTINCT bron, client_id, review_reden, v_nummer, CAST(geboortedatum AS DATE) AS geboortedatum,
                     geslacht, nationaliteit FROM review_clients),
        n AS (SELECT DISTINCT CAST(v_nummer AS VARCHAR) AS v_nummer, CAST(geboortedatum AS DATE) AS geboortedatum,
                     geslacht, nationaliteit FROM review_national WHERE v_nummer IS NOT NULL),
        candidates AS (
            SELECT bron, client_id, n_v_nummer AS v_nummer FROM blocked
            UNION SELECT c.bron, c.client_id, n.v_nummer FROM c JOIN n
                ON c.geboortedatum = n.geboortedatum AND c.geslacht = n.geslacht AND c.nationaliteit = n.nationaliteit
            UNION SELECT c.bron, c.client_id, n.v_nummer FROM c JOIN n ON c.v_nummer = n.v_nummer
        )
        SELECT row_number() OVER (ORDER BY c.bron, c.client_id, n.v_nummer) AS paar,
            c.bron, c.client_id, c.review_reden,
            c.v_nummer AS c_v_nummer, {digits('c.v_nummer')} AS c_v_cijfers, c.geboortedatum AS c_geboortedatum,
            c.geslacht AS c_geslacht, c.nationaliteit AS c_nationaliteit,
            n.v_nummer AS n_v_nummer, {digits('n.v_nummer')} AS n_v_cijfers, n.geboortedatum AS n_geboortedatum,
            n.geslacht AS n_geslacht, n.nationaliteit AS n_nationaliteit
        FROM candidates JOIN c USING (bron, client_id) JOIN n ON n.v_nummer = candidates.v_nummer
    """


def _score_for_review(pairs: Any, params: Any, model: Any) -> list[CandidatePair]:
    """Splink with the probabilistic step's model, keeping the columns its waterfall needs."""
    splink = model._import_splink()
    settings = dataclasses.replace(
        model._splink_settings(params), retain_matching_columns=True, retain_intermediate_calculation_columns=True
    )
    private = connect_capped(":memory:")
    try:
        with model._quiet(private, True):
            private.register("__lvv_paren", pairs)
            private.execute(f"CREATE TABLE __lvv_records AS {model._records_sql('__lvv_paren')}")
            records = splink.DuckDBAPI(connection=private).register("__lvv_records", table_name="records")
            linker = splink.Linker(records, settings, log_level=None)
            predictions = linker.inference.predict(warning_mode="never")
            # Only the pairs themselves (client 2k, national 2k+1), as tuples: the dicts of
            # `as_record_list` for all ~26,000 scored pairs at scale 100 were built to be dropped.
            cursor = private.execute(f"""
                SELECT * FROM {predictions.physical_name}
                WHERE unique_id_r = unique_id_l + 1 AND unique_id_l % 2 = 0""")
            names = [d[0] for d in cursor.description]
            scored = cursor.fetchall()
            fields = [c.column for c in model._COMPARISONS]
            sides = ", ".join(f"c_{f}, n_{f}" for f in fields)
            meta = {int(row[0]): row[1:] for row in private.execute(
                f"SELECT paar, bron, client_id, review_reden, n_v_nummer, {sides} FROM __lvv_paren").fetchall()}
            # Rank first, chart after: at scale 100 a client can have hundreds of candidates of
            # which a reviewer sees the best MAX_CANDIDATES (the order is the one the pages always
            # had: weight, then v_nummer).
            uid_l, weight_at, probability_at = (names.index(n) for n in ("unique_id_l", "match_weight",
                                                                        "match_probability"))
            kept = []
            for row in scored:
                bron, client_id, reden, v_nummer, *sides_values = meta[int(row[uid_l]) // 2]
                kept.append((str(bron), str(client_id), -float(row[weight_at]), str(v_nummer), row,
                             str(reden), sides_values))
            kept.sort(key=lambda k: k[:4])
            waterfalls = SplinkWaterfalls(linker)
            ranked, rank, previous = [], 0, None
            for bron, client_id, minus_weight, v_nummer, row, reden, sides_values in kept:
                rank = rank + 1 if (bron, client_id) == previous else 1
                previous = (bron, client_id)
                if rank > MAX_CANDIDATES:
                    continue
                values = {f: (_text(sides_values[2 * i]), _text(sides_values[2 * i + 1])) for i, f in enumerate(fields)}
                ranked.append(CandidatePair(
                    bron, client_id, reden, rank, v_nummer,
                    float(row[probability_at]), -minus_weight, waterfalls.records(dict(zip(names, row))), values,
                ))
    finally:
        private.close()
    return ranked


class SplinkWaterfalls:
    """The data of Splink's waterfall chart of a scored pair, equal to
    `linker.visualisations.waterfall_chart([record], filter_nulls=False).chart_dict["data"]["values"]`
    in bar order, without its cost per record.

    Why: Splink's chart (~1.3 ms a record) introspects the settings for every record (the input
    columns of each comparison's CASE statement through sqlglot, the level's detailed record
    through `dataclasses.asdict`) and reloads the Vega-Lite spec, yet all of that depends only on
    the comparison and its level (the gamma value the prediction carries). So each comparison's
    input columns are looked up once, and each (comparison, level)'s bar is made by Splink's own
    `_comparison_records` the first time that level is seen; later records copy it with their own
    values. The prior and the final score are Splink's `_prior_record` / `_final_score_record`.
    A comparison with term-frequency adjustments (none in this model) takes Splink's path as is.
    tests/test_linkage_review_pages.py checks the equality on every pair of a synthetic model."""

    def __init__(self, linker: Any) -> None:
        from splink.internals import waterfall_chart as splink_waterfall

        linker._raise_error_if_necessary_waterfall_columns_not_computed()
        self._splink = splink_waterfall
        self._settings = linker._settings_obj
        self._comparisons = list(self._settings.comparisons)
        self._columns: dict[Any, tuple[list[str], list[str]]] = {}
        for comparison in self._comparisons:
            used = comparison._input_columns_used_by_case_statement
            self._columns[comparison] = ([c.unquote().name_l for c in used], [c.unquote().name_r for c in used])
        self._prior = splink_waterfall._prior_record(self._settings)
        self._levels: dict[tuple[int, Any], dict[str, Any]] = {}

    def records(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """The waterfall's bars of one prediction record (a dict of Splink's output columns)."""
        bars = [dict(self._prior)]
        for i, comparison in enumerate(self._comparisons):
            if comparison._has_tf_adjustments:
                bars.extend(self._splink._comparison_records(record, comparison, False, _cols_cache=self._columns))
                continue
            key = (i, record[comparison._gamma_column_name])
            level = self._levels.get(key)
            if level is None:
                (level,) = self._splink._comparison_records(record, comparison, False, _cols_cache=self._columns)
                self._levels[key] = level
            columns_l, columns_r = self._columns[comparison]
            bars.append({**level, "value_l": ", ".join([str(record[n]) for n in columns_l]),
                         "value_r": ", ".join([str(record[n]) for n in columns_r])})
        bars.append(self._splink._final_score_record(record))
        for order, bar in enumerate(bars):
            bar["bar_sort_order"] = order
            bar["record_number"] = 0
        return bars


# ---------------------------------------------------------------------------------------------
# HTML

_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 960px; color: #1d2530; padding: 0 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; } th, td { padding: .3rem .7rem; border-bottom: 1px solid #d5dae1; text-align: left; }
.eens { color: #1e6b35; font-weight: 600; } .oneens { color: #a52a2a; font-weight: 600; } .leeg { color: #6b7480; }
.let-op { background: #fff4d6; padding: .5rem 1rem; border-left: 4px solid #d9a400; }
svg text { font: 12px system-ui, sans-serif; }
"""


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body>{body}"
            '<p class="let-op">Afgeschermde zone: deze pagina bevat v-nummers en geboortedatums. '
            "Niet doorsturen; alleen voor de beoordelaars van de koppeling.</p></body></html>\n")


def index_page(clients: list[tuple[str, str, str]], by_client: dict[tuple[str, str], list[CandidatePair]]) -> str:
    rows = []
    for bron, client_id, reden in clients:
        candidates = by_client.get((bron, client_id), [])
        links = ", ".join(
            f'<a href="{html.escape(p.file_name)}">{html.escape(p.v_nummer)}</a> ({p.match_probability:.1%})'
            for p in candidates
        ) or "geen kandidaat gevonden"
        rows.append(f"<tr><td>{html.escape(bron)}</td><td>{html.escape(client_id)}</td>"
                    f"<td>{html.escape(reden)}</td><td>{links}</td></tr>")
    body = ("<h1>Reviewlijst van de koppeling: kandidaten per cliënt</h1>"
            "<p>Per cliënt van <code>reviewlijst.csv</code> de landelijke personen die Splink ermee vergeleek, "
            "de beste eerst, met de kans dat het dezelfde persoon is. Open een kandidaat voor de velden die "
            "overeenkwamen en de waterval van matchgewichten.</p>"
            "<table><thead><tr><th>bron</th><th>client_id</th><th>reden</th><th>kandidaten (kans)</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")
    return _page("Reviewlijst: kandidaten", body)


def pair_page(pair: CandidatePair, candidates: int) -> str:
    comparisons = [r for r in pair.waterfall if r.get("column_name") not in ("Prior", "Final score")]
    rows = []
    for r in comparisons:
        label = str(r.get("label_for_charts", ""))
        weight = float(r.get("log2_bayes_factor") or 0.0)
        kind = "leeg" if label == "leeg" else ("eens" if weight > 0 else "oneens")
        m, u = r.get("m_probability"), r.get("u_probability")
        column = str(r.get("column_name"))
        client_value, national_value = pair.values.get(column, ("", ""))
        rows.append(
            f"<tr><td>{html.escape(column)}</td><td>{html.escape(client_value)}</td>"
            f"<td>{html.escape(national_value)}</td><td class=\"{kind}\">{html.escape(label)}</td>"
            f"<td>{weight:+.2f}</td><td>{_fmt(m)}</td><td>{_fmt(u)}</td></tr>"
        )
    body = (f"<h1>{html.escape(pair.bron)} · cliënt {html.escape(pair.client_id)} · kandidaat {pair.rang} van {candidates}</h1>"
            f"<p>Reden op de reviewlijst: <strong>{html.escape(pair.review_reden)}</strong>. Landelijk v-nummer van "
            f"deze kandidaat: <strong>{html.escape(pair.v_nummer)}</strong>. Kans dat het dezelfde persoon is: "
            f"<strong>{pair.match_probability:.2%}</strong> (matchgewicht {pair.match_weight:+.2f}).</p>"
            "<h2>Welke velden overeenkwamen</h2>"
            "<table><thead><tr><th>veld</th><th>gemeente</th><th>landelijk</th><th>niveau</th>"
            "<th>gewicht (log2 BF)</th><th>m</th><th>u</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            "<h2>Waterval van matchgewichten (Splink)</h2>"
            f"{waterfall_svg(pair.waterfall)}"
            '<p><a href="index.html">← alle kandidaten van de reviewlijst</a></p>')
    return _page(f"Kandidaat {pair.rang}: {pair.bron} {pair.client_id}", body)


def waterfall_svg(records: list[dict[str, Any]]) -> str:
    """Splink's waterfall as a self-contained SVG: a bar per step from the running total to the
    next one (green adds evidence, red takes it away), the final match weight as a full bar."""
    bars = []
    total = 0.0
    for r in records:
        name = str(r.get("column_name"))
        weight = float(r.get("log2_bayes_factor") or 0.0)
        if name == "Final score":
            bars.append(("eindscore", 0.0, weight, "#34495e"))
            continue
        start, total = (0.0, weight) if name == "Prior" else (total, total + weight)
        label = "prior" if name == "Prior" else f"{name}: {r.get('label_for_charts', '')}"
        bars.append((label, start, total, "#7f8c8d" if name == "Prior" else ("#2e8b57" if weight >= 0 else "#c0392b")))
    low = min([0.0] + [min(a, b) for _, a, b, _ in bars])
    high = max([0.0] + [max(a, b) for _, a, b, _ in bars])
    width, label_width, row, top = 900, 300, 28, 10
    span = (high - low) or 1.0
    x = lambda value: label_width + (value - low) / span * (width - label_width - 60)  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{top * 2 + row * len(bars) + 20}" '
             'role="img" aria-label="waterval van matchgewichten">']
    parts.append(f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="0" y2="{top + row * len(bars)}" stroke="#999"/>')
    for i, (label, start, end, colour) in enumerate(bars):
        y = top + i * row
        left, right = sorted((x(start), x(end)))
        parts.append(f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end">{html.escape(label)}</text>')
        parts.append(f'<rect x="{left:.1f}" y="{y + 4}" width="{max(right - left, 1.5):.1f}" height="{row - 8}" fill="{colour}"/>')
        parts.append(f'<text x="{right + 4:.1f}" y="{y + 17}">{end - start:+.2f}</text>')
    axis_y = top + row * len(bars) + 14
    for tick in range(math.floor(low), math.ceil(high) + 1, max(1, math.ceil(span / 10))):
        parts.append(f'<text x="{x(tick):.1f}" y="{axis_y}" text-anchor="middle" fill="#555">{tick}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _fmt(value: Any) -> str:
    return "" if value is None else f"{float(value):.3g}"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text)


__all__ = ["CandidatePair", "REVIEW_PAGES_DIR", "SplinkWaterfalls", "candidate_pairs", "write_review_pages"]

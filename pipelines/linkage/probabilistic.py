"""Probabilistic linkage: the step after the contract rule (FEEDS.md, last section).

Why one module of ~700 lines (issue 14): it is one statistical model, and its parts must agree
level by level: the comparison levels written as SQL (`_Comparison.case_sql`), their fixed m
probabilities argued below, the u probabilities measured on the national persons, the Splink
settings built from both, and the evidence text that explains a score per level. Split over
modules, a level's definition and its weight would live in different files; about a sixth of
the lines is this docstring, which documents the model.

The contract rule (steps 1 and 2, elsewhere in this package) links a municipal client on an
exact v_nummer, or on a unique exact (geboortedatum, geslacht, nationaliteit). A client for
which neither step finds any candidate (typically a mistyped v_nummer *and* a mistyped birth
date) reaches this module. `probabilistic_matches` scores such clients against the national
persons of the same kennisstand with a Fellegi-Sunter model, scored by Splink 5 on DuckDB, and
returns per client its best national candidate with the evidence. The caller decides, with
`accepted`: p >= threshold and the runner-up below 0.5.

Comparisons
-----------
Each comparison has a null level first (weight 0: an empty value says nothing).

- v_nummer: gelijk / Damerau-Levenshtein 1 (one digit wrong, missing or extra, or two
  neighbouring digits swapped) / Damerau-Levenshtein 2 / anders.
- geboortedatum: gelijk op 1 januari / gelijk / dag en maand verwisseld / een deel (dag, maand
  of jaar) anders / binnen een jaar / anders. "Gelijk op 1 januari" is split from "gelijk"
  because the chain registers an unknown birth date as 1 January, so many persons share those
  dates and agreeing on one is weak evidence; "dag en maand verwisseld" is split from "een deel
  anders" for the opposite reason: a swap is a rare coincidence, while dates that agree on two
  of three parts are common (all 1 January dates of different years do).
- geslacht, nationaliteit: gelijk / anders.

m probabilities: fixed, not trained
-----------------------------------
P(level | same person). The records reaching this step are few and selected for being wrong, so
EM on them is unstable and would learn the selection rather than the error process. The values
describe how a municipal registration differs from the chain's registration of the same person:

- v_nummer: 90% typed correctly, 6% one keystroke off, 2% two keystrokes off, 2% something else
  (a relative's number, an old number). The demo data mistype 2%; these values are deliberately
  more pessimistic, as the municipal registration is done by hand.
- geboortedatum: 90% equal (split over the two "gelijk" levels by the share of 1 January dates
  among the national persons, so that each of them carries the evidence of its own dates), 2%
  day and month swapped (European vs American order), 4% one part wrong (a typo in day, month or
  year), 2% otherwise within a year (e.g. one day off across a month boundary), 2% anything else.
- geslacht: 97% equal; 3% differ (X versus M/V, registration errors).
- nationaliteit: 95% equal; 5% differ (XXX "unknown" versus a country, a changed nationality).

u probabilities: measured on the national table, without randomness
-------------------------------------------------------------------
P(level | different persons), in the kennisstand (among the clients') with the most national
persons; all kennisstanden hold largely the same persons.

- Exact levels: from value frequencies, u = sum over the level's values v of (c_v / N)^2 (for a
  unique v_nummer that is 1/N; for 1 January dates it is the weight of those few crowded dates).
- Other levels: the share of pairs of different national persons that fall in the level, over
  all pairs when there are at most `U_SAMPLE_PAIRS`, otherwise over `U_SAMPLE_PAIRS` pairs chosen
  deterministically (persons in md5 order of their v_nummer, each paired with the persons at a
  few fixed offsets). A level never observed gets u = 0.5 / pairs (less than one in the sample:
  conservative).
- "anders": the rest, 1 - the sum of the other levels.

The prior (the probability that a client and a random national person of its kennisstand are the
same person) is 1/N, N the national persons of that reference kennisstand: a client is at most one
of them.

Candidate pairs (blocking), each within one kennisstand
-------------------------------------------------------
1. same geboortedatum (not 1 January) and geslacht;
2. same geboortedatum (not 1 January) and nationaliteit;
3. the client's geboortedatum is the national one with day and month swapped;
4. same geslacht, nationaliteit, year and month of birth (a typo in the day);
5. same geslacht, nationaliteit, year and day of birth (a typo in the month);
6. same geslacht, nationaliteit, month and day of birth, not 1 January (a typo in the year);
7. the national v_nummer is the client's, or one keystroke away from it: the client's
   neighbourhood (every digit string at Damerau-Levenshtein distance 1 with a length that
   national v_nummers have: about 100 for a 10-digit v_nummer) is generated and joined on
   equality. This costs the same however densely v_nummers are issued; blocking on the first or
   last five digits instead would pair every client with up to 100,000 national persons when
   v_nummers are issued consecutively.

Exact 1 January dates are no blocking key: a block of everybody born on 1-1-1990 of one sex is
hundreds of persons, and agreeing on such a date is hardly evidence. A client whose v_nummer is
garbled beyond one keystroke is found only through its demographics, which at national scale
(hundreds of thousands of persons) are never enough for p >= 0.99: it gets its best candidate
for the review list, not a link.

How it runs
-----------
The candidate pairs are made in SQL on the caller's connection, which is only read (no tables,
no settings left behind). Splink scores them on a private in-memory DuckDB connection, in
dedupe mode over one table holding two records per candidate pair k (the client's, unique_id
2k, and the national person's, 2k + 1), with the single blocking rule block_on("paar"): so it
scores exactly these pairs with the model above. Dedupe mode rather than link mode with two
tables because Splink then joins on the integer unique_id instead of on
`source_dataset || '-__-' || unique_id` strings, which was five times slower.

Damerau-Levenshtein costs microseconds per pair, so its levels first test a sound, cheap bound:
one keystroke changes the digit counts of a string by at most 2 in total, so DL <= k needs a
digit-count distance <= 2k (the counts are packed in one BIGINT, `v_cijfers`); this skips the
function for ~97% of pairs without changing any answer.

Splink's logging is held at ERROR, warnings of its import are silenced and DuckDB's progress bar
is off during the call, unless `quiet=False`.
"""

from __future__ import annotations

import contextlib
import logging
import math
import warnings
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Callable, Iterator

import duckdb

from pipelines.config import connect_capped

DEFAULT_THRESHOLD = 0.99
SECOND_BEST_MAX = 0.5  # `accepted`: the runner-up must be below this
U_SAMPLE_PAIRS = 1_000_000  # pairs of national persons behind the u of the non-exact levels


@dataclass(frozen=True, slots=True)
class ProbabilisticMatch:
    """The best national candidate of one municipal client."""

    kennisstand: str
    bron: str
    client_id: str
    v_nummer: str  # the national person's v_nummer
    match_probability: float
    second_best_probability: float  # best probability of any other national person; 0.0 if none
    evidence: str  # e.g. 'v_nummer: 1 cijfer anders; geboortedatum: dag en maand verwisseld; ...'
    candidates: int = 1  # national persons this client was compared with
    match_weight: float = 0.0  # log2 of the posterior odds (Splink's match_weight)
    accepted: bool = False  # `accepted(self, threshold)` for the threshold of the call


def accepted(
    match: ProbabilisticMatch,
    threshold: float = DEFAULT_THRESHOLD,
    second_best_max: float = SECOND_BEST_MAX,
) -> bool:
    """Link when the best candidate is likely enough and no other candidate is plausible."""
    return match.match_probability >= threshold and match.second_best_probability < second_best_max


# --------------------------------------------------------------------------------------------
# The model. A level condition is a function of two column accessors (left, right), so that the
# same definition serves Splink ('"v_nummer_l"') and the u measurement ('a.v_nummer').

Side = Callable[[str], str]
Condition = Callable[[Side, Side], str]


def _digit_count_distance(left: Side, right: Side) -> str:
    return " + ".join(
        f"abs((({left('v_cijfers')} >> {5 * d}) & 31) - (({right('v_cijfers')} >> {5 * d}) & 31))"
        for d in range(10)
    )


def _damerau_levenshtein_at_most(k: int) -> Condition:
    """DL(v_nummer) <= k, behind the cheap bound on the digit counts (AND short-circuits)."""

    def condition(left: Side, right: Side) -> str:
        return (
            f"(({left('v_cijfers')} IS NULL OR {right('v_cijfers')} IS NULL"
            f" OR ({_digit_count_distance(left, right)}) <= {2 * k})"
            f" AND damerau_levenshtein({left('v_nummer')}, {right('v_nummer')}) <= {k})"
        )

    return condition


def _date(expression: str) -> Condition:
    """A condition on geboortedatum, written with {l} and {r}."""

    def condition(left: Side, right: Side) -> str:
        return expression.format(l=left("geboortedatum"), r=right("geboortedatum"))

    return condition


def _equal(column: str) -> Condition:
    return lambda left, right: f"{left(column)} = {right(column)}"


@dataclass(frozen=True, slots=True)
class _Comparison:
    column: str
    exact_m: float  # m of exact agreement, split over the exact levels by the share of their values
    exact: tuple[tuple[str, Condition], ...]  # u from value frequencies; conditions on `column` only
    fuzzy: tuple[tuple[str, Condition, float], ...]  # (label, condition, m); u from pairs
    else_m: float

    def conditions(self) -> list[Condition]:
        return [c for _, c in self.exact] + [c for _, c, _ in self.fuzzy]

    def case_sql(self, left: Side, right: Side, levels: list[Condition] | None = None) -> str:
        """Level number of a pair: 0 null, 1.. the levels in order, then anders."""
        levels = self.conditions() if levels is None else levels
        parts = [f"WHEN {left(self.column)} IS NULL OR {right(self.column)} IS NULL THEN 0"]
        parts += [f"WHEN {c(left, right)} THEN {i}" for i, c in enumerate(levels, start=1)]
        return "CASE " + " ".join(parts) + f" ELSE {len(levels) + 1} END"


_COMPARISONS: tuple[_Comparison, ...] = (
    _Comparison(
        column="v_nummer",
        exact_m=0.90,
        exact=(("gelijk", _equal("v_nummer")),),
        fuzzy=(
            ("1 verschil", _damerau_levenshtein_at_most(1), 0.06),
            ("2 verschillen", _damerau_levenshtein_at_most(2), 0.02),
        ),
        else_m=0.02,
    ),
    _Comparison(
        column="geboortedatum",
        exact_m=0.90,
        exact=(
            ("gelijk (1 januari)", _date("{l} = {r} AND month({l}) = 1 AND day({l}) = 1")),
            ("gelijk", _date("{l} = {r}")),
        ),
        fuzzy=(
            (
                "dag en maand verwisseld",
                _date("year({l}) = year({r}) AND month({l}) = day({r}) AND day({l}) = month({r})"),
                0.02,
            ),
            (
                "een deel anders",
                _date(
                    "(CAST(year({l}) = year({r}) AS INTEGER) + CAST(month({l}) = month({r}) AS INTEGER)"
                    " + CAST(day({l}) = day({r}) AS INTEGER)) = 2"
                ),
                0.04,
            ),
            ("binnen een jaar", _date("abs(date_diff('day', {l}, {r})) <= 365"), 0.02),
        ),
        else_m=0.02,
    ),
    _Comparison(column="geslacht", exact_m=0.97, exact=(("gelijk", _equal("geslacht")),), fuzzy=(), else_m=0.03),
    _Comparison(
        column="nationaliteit", exact_m=0.95, exact=(("gelijk", _equal("nationaliteit")),), fuzzy=(), else_m=0.05
    ),
)
_RECORD_COLUMNS = ("v_nummer", "v_cijfers", "geboortedatum", "geslacht", "nationaliteit")

_TINY = 1e-12  # lower bound of any m or u: a level absent from the data must still be > 0


@dataclass(frozen=True, slots=True)
class _Parameters:
    reference_kennisstand: str
    persons: int  # national persons in the reference kennisstand
    pairs: int  # pairs of national persons behind the u of the non-exact levels
    m: dict[str, list[float]]  # column -> m per non-null level, in level order (last: anders)
    u: dict[str, list[float]]


# --------------------------------------------------------------------------------------------
# SQL on the caller's connection (read only)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _digit_counts_sql(v: str) -> str:
    """The count of each digit 0-9 in `v`, 5 bits each (NULL if `v` is NULL or too long)."""
    counts = " + ".join(f"((length({v}) - length(replace({v}, '{d}', ''))) << {5 * d})" for d in range(10))
    return f"CASE WHEN length({v}) <= 31 THEN CAST({counts} AS BIGINT) END"


def _clients_sql(clients: str) -> str:
    """Distinct client records with a number (cuid) and the blocking keys."""
    return f"""
        WITH c AS (
            SELECT DISTINCT CAST(kennisstand AS VARCHAR) AS kennisstand, CAST(bron AS VARCHAR) AS bron,
                CAST(client_id AS VARCHAR) AS client_id,
                nullif(trim(CAST(v_nummer AS VARCHAR)), '') AS v_nummer,
                CAST(geboortedatum AS DATE) AS geboortedatum, CAST(geslacht AS VARCHAR) AS geslacht,
                CAST(nationaliteit AS VARCHAR) AS nationaliteit
            FROM {clients}
            WHERE kennisstand IS NOT NULL AND client_id IS NOT NULL
        )
        SELECT row_number() OVER (ORDER BY kennisstand, bron, client_id, v_nummer NULLS FIRST,
                geboortedatum NULLS FIRST, geslacht NULLS FIRST, nationaliteit NULLS FIRST) AS cuid,
            dense_rank() OVER (ORDER BY kennisstand, bron, client_id) AS ckey, *,
            CASE WHEN NOT (month(geboortedatum) = 1 AND day(geboortedatum) = 1) THEN geboortedatum END
                AS datum_bekend,
            year(geboortedatum) AS jaar,
            month(geboortedatum) AS maand,
            day(geboortedatum) AS dag,
            CASE WHEN NOT (month(geboortedatum) = 1 AND day(geboortedatum) = 1)
                 THEN month(geboortedatum) * 100 + day(geboortedatum) END AS maand_dag,
            CASE WHEN day(geboortedatum) <= 12 AND day(geboortedatum) <> month(geboortedatum)
                 THEN make_date(year(geboortedatum), day(geboortedatum), month(geboortedatum))
            END AS datum_verwisseld
        FROM c
    """


# Blocking rules 1, 2, 4, 5 and 6: (client key, the same key on the national side). A national
# date equal to a client's datum_bekend or maand_dag is not 1 January either.
_EQUAL_KEY_RULES: tuple[tuple[tuple[str, str], ...], ...] = (
    (("datum_bekend", "n.geboortedatum"), ("geslacht", "n.geslacht")),
    (("datum_bekend", "n.geboortedatum"), ("nationaliteit", "n.nationaliteit")),
    (("geslacht", "n.geslacht"), ("nationaliteit", "n.nationaliteit"), ("jaar", "year(n.geboortedatum)"),
     ("maand", "month(n.geboortedatum)")),
    (("geslacht", "n.geslacht"), ("nationaliteit", "n.nationaliteit"), ("jaar", "year(n.geboortedatum)"),
     ("dag", "day(n.geboortedatum)")),
    (("geslacht", "n.geslacht"), ("nationaliteit", "n.nationaliteit"),
     ("maand_dag", "month(n.geboortedatum) * 100 + day(n.geboortedatum)")),
)

# Rule 7: every string one keystroke from the client's v_nummer: (kind, position p, digit d)
# with p counted from 0. S: replace p by d; T: swap p and p+1; D: delete p; I: insert d before p.
_EDITS_SQL = """(
            SELECT 'S' AS kind, p, d FROM range(0, 32) AS a(p), range(0, 10) AS b(d)
            UNION ALL SELECT 'T', p, 0 FROM range(0, 31) AS a(p)
            UNION ALL SELECT 'D', p, 0 FROM range(0, 32) AS a(p)
            UNION ALL SELECT 'I', p, d FROM range(0, 33) AS a(p), range(0, 10) AS b(d)
        )"""
_NEIGHBOUR_SQL = """CASE e.kind
                WHEN 'S' THEN substr(c.v_nummer, 1, e.p) || CAST(e.d AS VARCHAR) || substr(c.v_nummer, e.p + 2)
                WHEN 'T' THEN substr(c.v_nummer, 1, e.p) || substr(c.v_nummer, e.p + 2, 1)
                    || substr(c.v_nummer, e.p + 1, 1) || substr(c.v_nummer, e.p + 3)
                WHEN 'D' THEN substr(c.v_nummer, 1, e.p) || substr(c.v_nummer, e.p + 2)
                ELSE substr(c.v_nummer, 1, e.p) || CAST(e.d AS VARCHAR) || substr(c.v_nummer, e.p + 1)
            END"""


def _pairs_sql(clients: str, national: str) -> str:
    """One row per candidate pair: the client's values (c_*) and the national person's (n_*)."""
    joins = [
        "SELECT c.cuid, n.kennisstand, n.v_nummer FROM c JOIN n ON c.kennisstand = n.kennisstand AND "
        + " AND ".join(f"c.{client_key} = {national_key}" for client_key, national_key in rule)
        for rule in _EQUAL_KEY_RULES
    ]
    joins.append(
        "SELECT c.cuid, n.kennisstand, n.v_nummer FROM c JOIN n"
        " ON c.kennisstand = n.kennisstand AND c.datum_verwisseld = n.geboortedatum"
    )
    joins.append(
        "SELECT b.cuid, n.kennisstand, n.v_nummer FROM buren AS b JOIN n"
        " ON b.kennisstand = n.kennisstand AND b.v = n.v_nummer"
    )
    union = "\n            UNION\n            ".join(joins)
    return f"""
        WITH c AS ({_clients_sql(clients)}),
        n AS (
            SELECT CAST(kennisstand AS VARCHAR) AS kennisstand, CAST(v_nummer AS VARCHAR) AS v_nummer,
                CAST(geboortedatum AS DATE) AS geboortedatum, CAST(geslacht AS VARCHAR) AS geslacht,
                CAST(nationaliteit AS VARCHAR) AS nationaliteit
            FROM {national}
            WHERE CAST(kennisstand AS VARCHAR) IN (SELECT kennisstand FROM c) AND v_nummer IS NOT NULL
        ),
        lengths AS (SELECT DISTINCT length(v_nummer) AS len FROM n),
        buren AS (  -- only the edits that give a length some national v_nummer has
            SELECT DISTINCT c.cuid, c.kennisstand, {_NEIGHBOUR_SQL} AS v
            FROM c JOIN {_EDITS_SQL} AS e
                ON c.v_nummer IS NOT NULL
                AND e.p < length(c.v_nummer) + CASE e.kind WHEN 'I' THEN 1 WHEN 'T' THEN -1 ELSE 0 END
            WHERE length(c.v_nummer) + CASE e.kind WHEN 'I' THEN 1 WHEN 'D' THEN -1 ELSE 0 END
                IN (SELECT len FROM lengths)
        ),
        pairs AS (
            {union}
        ),
        digit_counts AS (  -- once per v_nummer: the same persons recur in every kennisstand
            SELECT v_nummer, {_digit_counts_sql('v_nummer')} AS v_cijfers FROM (SELECT DISTINCT v_nummer FROM pairs)
        ),
        paired_n AS (
            SELECT n.*, digit_counts.v_cijfers
            FROM n SEMI JOIN pairs ON n.kennisstand = pairs.kennisstand AND n.v_nummer = pairs.v_nummer
            JOIN digit_counts ON digit_counts.v_nummer = n.v_nummer
        ),
        paired_c AS (
            SELECT c.*, {_digit_counts_sql('c.v_nummer')} AS v_cijfers FROM c SEMI JOIN pairs ON c.cuid = pairs.cuid
        )
        SELECT row_number() OVER () AS paar, c.cuid, c.ckey, c.kennisstand, c.bron, c.client_id,
            c.v_nummer AS c_v_nummer, c.v_cijfers AS c_v_cijfers,
            c.geboortedatum AS c_geboortedatum, c.geslacht AS c_geslacht, c.nationaliteit AS c_nationaliteit,
            n.v_nummer AS n_v_nummer, n.v_cijfers AS n_v_cijfers,
            n.geboortedatum AS n_geboortedatum, n.geslacht AS n_geslacht, n.nationaliteit AS n_nationaliteit
        FROM pairs
        JOIN paired_c AS c ON c.cuid = pairs.cuid
        JOIN paired_n AS n ON n.kennisstand = pairs.kennisstand AND n.v_nummer = pairs.v_nummer
    """


def _measure_parameters(
    con: duckdb.DuckDBPyConnection, national: str, kennisstanden: list[str]
) -> _Parameters | None:
    """u, and the m split of exact levels, from the national persons of the reference
    kennisstand: the one among `kennisstanden` with the most national persons."""
    in_list = ", ".join(_literal(k) for k in kennisstanden)
    row = con.execute(
        f"""SELECT CAST(kennisstand AS VARCHAR) AS k, count(*) AS n FROM {national}
            WHERE CAST(kennisstand AS VARCHAR) IN ({in_list}) AND v_nummer IS NOT NULL
            GROUP BY ALL ORDER BY n DESC, k DESC LIMIT 1"""
    ).fetchall()
    if not row:
        return None
    reference, persons = str(row[0][0]), int(row[0][1])
    ref_sql = f"""
        SELECT CAST(v_nummer AS VARCHAR) AS v_nummer,
            {_digit_counts_sql('CAST(v_nummer AS VARCHAR)')} AS v_cijfers,
            CAST(geboortedatum AS DATE) AS geboortedatum, CAST(geslacht AS VARCHAR) AS geslacht,
            CAST(nationaliteit AS VARCHAR) AS nationaliteit
        FROM {national}
        WHERE CAST(kennisstand AS VARCHAR) = {_literal(reference)} AND v_nummer IS NOT NULL"""

    # Exact levels: value frequencies (the level of a value is the level of the pair (x, x)).
    exact_u: dict[str, dict[int, float]] = {}
    exact_share: dict[str, dict[int, float]] = {}
    x: Side = lambda column: "x"  # noqa: E731
    for comp in _COMPARISONS:
        rows = con.execute(
            f"""WITH v AS (SELECT {comp.column} AS x, count(*) AS c FROM ({ref_sql})
                           WHERE {comp.column} IS NOT NULL GROUP BY ALL),
                t AS (SELECT sum(c) AS total FROM v)
            SELECT {comp.case_sql(x, x, [c for _, c in comp.exact])} AS level,
                sum(c * c) / (max(total) * max(total)), sum(c) / max(total)
            FROM v, t GROUP BY ALL"""
        ).fetchall()
        exact_u[comp.column] = {int(level): float(u) for level, u, _ in rows}
        exact_share[comp.column] = {int(level): float(share) for level, _, share in rows}

    # Other levels: pairs of different persons, all of them or a deterministic sample: the
    # persons in md5 order, each paired with the persons at a few fixed offsets.
    if persons * (persons - 1) <= U_SAMPLE_PAIRS:
        offsets = list(range(1, persons))
    else:
        count = max(1, math.ceil(U_SAMPLE_PAIRS / persons))
        offsets = sorted({1 + (i * (persons - 1)) // count for i in range(count)})
    sampled = [c for c in _COMPARISONS if c.fuzzy]
    a: Side = lambda column: f"a.{column}"  # noqa: E731
    b: Side = lambda column: f"b.{column}"  # noqa: E731
    level_columns = ", ".join(f"{c.case_sql(a, b)} AS lvl_{c.column}" for c in sampled)
    counts = ", ".join(
        [f"count(*) FILTER (WHERE lvl_{c.column} > 0) AS nn_{c.column}" for c in sampled]
        + [
            f"count(*) FILTER (WHERE lvl_{c.column} = {i}) AS n_{c.column}_{i}"
            for c in sampled
            for i in range(len(c.exact) + 1, len(c.exact) + len(c.fuzzy) + 1)
        ]
    )
    cursor = con.execute(
        f"""WITH r AS (SELECT *, row_number() OVER (ORDER BY md5_number(v_nummer), v_nummer) - 1 AS i
                       FROM ({ref_sql})),
            o AS (SELECT unnest({offsets!r}) AS step),
            p AS (SELECT {level_columns} FROM r AS a CROSS JOIN o JOIN r AS b ON b.i = (a.i + o.step) % {persons})
        SELECT count(*) AS pairs, {counts} FROM p"""
    )
    names = [d[0] for d in cursor.description]
    stats = dict(zip(names, cursor.fetchall()[0]))

    m: dict[str, list[float]] = {}
    u: dict[str, list[float]] = {}
    for comp in _COMPARISONS:
        col = comp.column
        nonnull = int(stats.get(f"nn_{col}") or 0)
        floor = 0.5 / max(nonnull, 1) if comp.fuzzy else _TINY
        m[col], u[col] = [], []
        for i in range(1, len(comp.exact) + 1):
            m[col].append(max(comp.exact_m * exact_share[col].get(i, 0.0), _TINY))
            u[col].append(max(exact_u[col].get(i, 0.0), _TINY))
        for i, (_, _, m_level) in enumerate(comp.fuzzy, start=len(comp.exact) + 1):
            m[col].append(m_level)
            u[col].append(max(int(stats[f"n_{col}_{i}"]) / nonnull, floor) if nonnull else floor)
        m[col].append(comp.else_m)
        u[col].append(max(1.0 - sum(u[col]), floor))
    return _Parameters(reference, persons, int(stats["pairs"]), m, u)


# --------------------------------------------------------------------------------------------
# Splink


def _import_splink() -> Any:
    """Splink, imported on first use (it is slow to import); its dependencies' import-time
    deprecation warnings (e.g. sqlglotrs) are not ours to show."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import splink
        import splink.comparison_level_library
        import splink.comparison_library
    return splink


def _splink_settings(params: _Parameters) -> Any:
    splink = _import_splink()
    SettingsCreator, block_on = splink.SettingsCreator, splink.block_on
    CustomLevel = splink.comparison_level_library.CustomLevel
    ElseLevel = splink.comparison_level_library.ElseLevel
    CustomComparison = splink.comparison_library.CustomComparison

    left: Side = lambda column: f'"{column}_l"'  # noqa: E731
    right: Side = lambda column: f'"{column}_r"'  # noqa: E731
    comparisons = []
    for comp in _COMPARISONS:
        col = comp.column
        labels = [label for label, _ in comp.exact] + [label for label, _, _ in comp.fuzzy]
        levels = [
            CustomLevel(f"{left(col)} IS NULL OR {right(col)} IS NULL", label_for_charts="leeg").configure(
                is_null_level=True
            )
        ]
        for label, condition, m, u in zip(labels, comp.conditions(), params.m[col], params.u[col]):
            level = CustomLevel(condition(left, right), label_for_charts=label)
            levels.append(level.configure(m_probability=m, u_probability=u))
        m_else, u_else = params.m[col][-1], params.u[col][-1]
        levels.append(ElseLevel().configure(m_probability=m_else, u_probability=u_else, label_for_charts="anders"))
        comparisons.append(
            CustomComparison(comparison_levels=levels, output_column_name=col, comparison_description=col)
        )

    return SettingsCreator(
        # One table with two records per candidate pair (`_records_sql`), paired on `paar`.
        # dedupe_only rather than link_only with two tables: Splink then joins on the integer
        # unique_id instead of on source_dataset || '-__-' || unique_id strings (5x faster).
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[block_on("paar")],
        probability_two_random_records_match=1.0 / max(params.persons, 2),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def _records_sql(pairs: str) -> str:
    """Two records per candidate pair k: the client's (unique_id 2k) and the national person's
    (2k + 1), both with paar = k."""
    sides = []
    for offset, prefix in ((0, "c_"), (1, "n_")):
        columns = ", ".join(f"{prefix}{c} AS {c}" for c in _RECORD_COLUMNS)
        sides.append(f"SELECT 2 * paar + {offset} AS unique_id, paar, {columns} FROM {pairs}")
    return "\nUNION ALL\n".join(sides)


def _score(pairs: Any, params: _Parameters, quiet: bool) -> list[tuple[Any, ...]]:
    """Score the pairs with Splink on a private connection; the best candidate per client."""
    splink = _import_splink()
    DuckDBAPI, Linker = splink.DuckDBAPI, splink.Linker

    private = connect_capped(":memory:")
    try:
        with _quiet(private, quiet):
            private.register("__lvv_paren", pairs)
            private.execute(f"CREATE TABLE __lvv_records AS {_records_sql('__lvv_paren')}")
            db_api = DuckDBAPI(connection=private)
            records = db_api.register("__lvv_records", table_name="records")
            linker = Linker(records, _splink_settings(params), log_level=None)
            predictions = linker.inference.predict(warning_mode="never")
            return private.execute(_best_candidates_sql("__lvv_paren", predictions.physical_name)).fetchall()
    finally:
        private.close()


def _best_candidates_sql(pairs: str, predictions: str) -> str:
    """Per client: the best national person (ties: lowest v_nummer, then the first client
    record), the best probability of any other person, and the number of persons compared.
    (Aggregates with integer keys rather than windows: DuckDB sorts strings slowly.)"""
    values = ", ".join(f"pairs.c_{c.column}, pairs.n_{c.column}" for c in _COMPARISONS)
    return f"""
        WITH scored AS (
            SELECT pairs.paar, pairs.ckey, pairs.cuid, pairs.n_v_nummer, s.match_probability, s.match_weight
            FROM {pairs} AS pairs JOIN {predictions} AS s ON s.unique_id_l = 2 * pairs.paar
        ),
        per_person AS (
            SELECT ckey, n_v_nummer, max(match_weight) AS w, max(match_probability) AS p,
                arg_min(paar, struct_pack(w := -match_weight, c := cuid)) AS paar
            FROM scored GROUP BY ALL
        ),
        per_client AS (
            SELECT ckey, count(*) AS candidates, arg_min(paar, struct_pack(w := -w, v := n_v_nummer)) AS paar,
                max(p, 2) AS top
            FROM per_person GROUP BY ALL
        )
        SELECT pairs.kennisstand, pairs.bron, pairs.client_id, pairs.n_v_nummer, s.match_probability,
            CASE WHEN len(top) > 1 THEN top[2] ELSE 0.0 END, candidates, s.match_weight, {values}
        FROM per_client
        JOIN {pairs} AS pairs ON pairs.paar = per_client.paar
        JOIN {predictions} AS s ON s.unique_id_l = 2 * pairs.paar
        ORDER BY s.match_probability DESC, pairs.kennisstand, pairs.bron, pairs.client_id
    """


@contextlib.contextmanager
def _quiet(con: duckdb.DuckDBPyConnection, quiet: bool) -> Iterator[None]:
    """Splink's logging at ERROR and no progress bar on `con`, both restored afterwards."""
    if not quiet:
        yield
        return
    splink_logger = logging.getLogger("splink")
    level = splink_logger.level
    progress = bool(con.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0][0])
    splink_logger.setLevel(logging.ERROR)
    con.execute("SET enable_progress_bar = false")
    try:
        yield
    finally:
        splink_logger.setLevel(level)
        con.execute(f"SET enable_progress_bar = {str(progress).lower()}")


def probabilistic_matches(
    con: duckdb.DuckDBPyConnection,
    clients: str,
    national: str,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    quiet: bool = True,
    parameters_out: list[_Parameters] | None = None,
) -> list[ProbabilisticMatch]:
    """Score the municipal `clients` against the `national` persons of the same kennisstand.

    `clients`: a table or view with kennisstand, bron, client_id, v_nummer (digits, nullable),
    geboortedatum, geslacht, nationaliteit. `national`: a table or view with kennisstand,
    v_nummer, geboortedatum (nullable), geslacht, nationaliteit, one row per person per
    kennisstand. Both are only read (names are put into SQL as given).

    Returns one `ProbabilisticMatch` per client (kennisstand, bron, client_id) with at least one
    candidate pair, best first. Nothing is filtered: `threshold` only sets each match's
    `accepted` (p >= threshold and second best < 0.5); `accepted(match, t)` re-decides for
    another threshold. Deterministic: no training and no randomness (see the module docstring).

    `parameters_out`, if given, receives the measured model parameters, so that a caller scoring
    the same national persons again (the review pages, review.py) need not measure them twice.
    """
    with _quiet(con, quiet):
        kennisstanden = [
            str(k) for (k,) in con.execute(
                f"SELECT DISTINCT CAST(kennisstand AS VARCHAR) FROM {clients} WHERE kennisstand IS NOT NULL ORDER BY 1"
            ).fetchall()
        ]
        if not kennisstanden:
            return []
        params = _measure_parameters(con, national, kennisstanden)
        if params is None:
            return []
        if parameters_out is not None:
            parameters_out.append(params)
        pairs = con.sql(_pairs_sql(clients, national)).to_arrow_table()
    if pairs.num_rows == 0:
        return []
    matches = [_to_match(row) for row in _score(pairs, params, quiet)]
    return [_with_decision(match, threshold) for match in matches]


def _with_decision(match: ProbabilisticMatch, threshold: float) -> ProbabilisticMatch:
    return replace(match, accepted=accepted(match, threshold))


def _to_match(row: tuple[Any, ...]) -> ProbabilisticMatch:
    kennisstand, bron, client_id, v_nummer, p, second, candidates, weight = row[:8]
    values = row[8:]
    evidence = "; ".join(
        _evidence(comp.column, values[2 * i], values[2 * i + 1]) for i, comp in enumerate(_COMPARISONS)
    )
    return ProbabilisticMatch(
        kennisstand=kennisstand,
        bron=bron,
        client_id=client_id,
        v_nummer=v_nummer,
        match_probability=float(p),
        second_best_probability=float(second),
        evidence=evidence,
        candidates=int(candidates),
        match_weight=float(weight),
    )


# --------------------------------------------------------------------------------------------
# Evidence in words


def _evidence(column: str, client_value: Any, national_value: Any) -> str:
    if client_value is None or national_value is None:
        what = "leeg"
    elif column == "v_nummer":
        what = _v_nummer_difference(str(client_value), str(national_value))
    elif column == "geboortedatum":
        what = _date_difference(client_value, national_value)
    else:
        what = "gelijk" if client_value == national_value else f"anders ({client_value} / {national_value})"
    return f"{column} {what}" if column in ("geslacht", "nationaliteit") else f"{column}: {what}"


def _v_nummer_difference(a: str, b: str) -> str:
    if a == b:
        return "gelijk"
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        if len(diff) == 1:
            return "1 cijfer anders"
        if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
            return "2 cijfers verwisseld"
        if len(diff) == 2:
            return "2 cijfers anders"
    if len(a) == len(b) + 1 and any(a[:i] + a[i + 1 :] == b for i in range(len(a))):
        return "1 cijfer te veel"
    if len(b) == len(a) + 1 and any(b[:i] + b[i + 1 :] == a for i in range(len(b))):
        return "1 cijfer te weinig"
    return "anders"


def _date_difference(a: date, b: date) -> str:
    if a == b:
        return "gelijk (1 januari)" if (a.month, a.day) == (1, 1) else "gelijk"
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return "dag en maand verwisseld"
    same = [a.year == b.year, a.month == b.month, a.day == b.day]
    if sum(same) == 2:
        return ("jaar", "maand", "dag")[same.index(False)] + " anders"
    days = abs((a - b).days)
    return f"{days} dagen verschil" if days <= 365 else "anders"

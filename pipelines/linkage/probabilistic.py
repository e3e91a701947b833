"""Probabilistic linkage: the step after the contract rule (FEEDS.md, last section).

The contract rule (steps 1 and 2, elsewhere in this package) links a municipal client on an
exact v_nummer, or on a unique exact (geboortedatum, geslacht, nationaliteit). A client for
which neither step finds any candidate (typically a mistyped v_nummer *and* a mistyped birth
date) reaches this module. `probabilistic_matches` scores such clients against the national
persons of the same kennisstand with a Fellegi-Sunter model run by Splink 5 on DuckDB, and
returns, per client, its best national candidate with the evidence. The caller decides: see
`accepted` (p >= threshold and the runner-up clearly lower).

The model
---------
Four comparisons, each with a null level (weight 0: an empty value says nothing):

==============  ==============================================================================
v_nummer        gelijk / Damerau-Levenshtein 1 (one digit wrong, missing, extra, or two
                neighbouring digits swapped) / Damerau-Levenshtein 2 / anders
geboortedatum   gelijk op 1 januari / gelijk / dag en maand verwisseld / een deel (dag, maand
                of jaar) anders / binnen een jaar / anders
geslacht        gelijk / anders
nationaliteit   gelijk / anders
==============  ==============================================================================

"Gelijk op 1 januari" is split from "gelijk" because the chain registers an unknown birth
date as 1 January: many persons share those dates, so agreeing on one is much weaker evidence
than agreeing on, say, 17 June. "Dag en maand verwisseld" is split from "een deel anders" for
the opposite reason: a swap is a specific, rare coincidence, while dates agreeing on two of
three parts are common (all 1 January dates of different years do).

m probabilities (P(level | same person)) are fixed and documented here, not trained: the
records that reach this step are few and selected for being wrong, so EM on them is unstable
and would learn the selection, not the error process. They describe how a municipal
registration of a person differs from the chain's registration of the same person:

- v_nummer: 90% typed correctly, 6% one keystroke off (a wrong, missing or extra digit, or
  two neighbouring digits swapped), 2% two keystrokes off, 2% something else (a relative's
  number, an old number). The demo data mistype 2%; these values are deliberately more
  pessimistic, as the municipal registration is done by hand.
- geboortedatum: 90% equal (split over the two "gelijk" levels by the share of 1 January dates
  in the national data, so that each level's m/u is that of its own dates), 2% day and month
  swapped (European vs American order), 4% one part wrong (a typo in day, month or year),
  2% within a year otherwise (e.g. one day off across a month boundary), 2% anything else.
- geslacht: 97% equal; 3% differ (X versus M/V, registration errors).
- nationaliteit: 95% equal; 5% differ (XXX "unknown" versus a country, changed nationality).

u probabilities (P(level | different persons)) are measured on the national table, in the
kennisstand with the most national persons (all kennisstanden hold largely the same
persons), without randomness so that the result is reproducible:

- the exact-agreement levels from value frequencies: u = sum of c_v^2 / N^2 over the values
  v in the level (for a unique v_nummer that is 1/N);
- the other levels by counting, over pairs of different national persons, how often the pair
  falls in the level: all pairs when there are at most `U_SAMPLE_PAIRS`, otherwise
  `U_SAMPLE_PAIRS` pairs chosen deterministically (persons ordered by md5 of the v_nummer,
  each paired with persons at fixed offsets). A level that is never observed gets
  u = 0.5 / pairs (conservative: less than one in the sample);
- "anders" gets the rest: u = 1 - the sum of the other levels.

The prior (probability that a client and a random national person of its kennisstand are the
same person) is 1/N, N the number of national persons in that reference kennisstand: each
client is one national person at most.

Candidate pairs (blocking), each within one kennisstand:

1. same geboortedatum and geslacht;
2. same geboortedatum and nationaliteit;
3. the client's geboortedatum is the national one with day and month swapped;
4. same geslacht, nationaliteit, year and month of birth (a typo in the day);
5. same geslacht, nationaliteit, year and day of birth (a typo in the month);
6. same geslacht, nationaliteit, month and day of birth, not 1 January (a typo in the year);
7. the national v_nummer is the client's v_nummer or at Damerau-Levenshtein distance 1 of it
   (the client's neighbourhood of at most ~230 digit strings is generated and joined on
   equality, so this costs the same however densely the v_nummers are issued; blocking on
   the first or last 5 digits would pair each client with up to 100,000 national persons
   when v_nummers are issued consecutively).

A client whose v_nummer is garbled beyond one keystroke is found only through its demographics,
which at national scale are never enough for p >= 0.99: it gets its best candidate for the
review list, not a link.

Splink runs on a private in-memory DuckDB connection (the caller's connection is only read),
with its logging held at ERROR and DuckDB's progress bar off, unless `quiet=False`.
"""

from __future__ import annotations

import contextlib
import logging
import math
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterator

import duckdb

DEFAULT_THRESHOLD = 0.99
SECOND_BEST_MAX = 0.5  # `accepted`: the runner-up must be below this
U_SAMPLE_PAIRS = 1_000_000  # pairs of national persons used to measure the u probabilities
U_SAMPLE_PAIRS_V_NUMMER = 200_000  # of which for the v_nummer levels (Damerau-Levenshtein is slow)


@dataclass(frozen=True, slots=True)
class ProbabilisticMatch:
    """The best national candidate of one municipal client (one row of `clients`)."""

    kennisstand: str
    bron: str
    client_id: str
    v_nummer: str  # the national person's v_nummer
    match_probability: float
    second_best_probability: float  # best probability of any other national person; 0.0 if none
    evidence: str  # e.g. 'v_nummer: 1 cijfer anders; geboortedatum: dag en maand verwisseld; ...'
    candidates: int = 1  # national persons compared with this client
    match_weight: float = 0.0  # log2 of the posterior odds (Splink's match_weight)


def accepted(
    match: ProbabilisticMatch,
    threshold: float = DEFAULT_THRESHOLD,
    second_best_max: float = SECOND_BEST_MAX,
) -> bool:
    """Link when the best candidate is likely enough and no other candidate is plausible."""
    return match.match_probability >= threshold and match.second_best_probability < second_best_max


# --------------------------------------------------------------------------------------------
# The model: comparison levels as SQL templates over {l} and {r}, used both for Splink and for
# measuring u on the national table, so that both always mean the same thing.


@dataclass(frozen=True, slots=True)
class _Comparison:
    column: str
    exact_m: float  # m of all exact agreement, split over `exact` by the share of their values
    exact: tuple[tuple[str, str], ...]  # (label, condition): u from value frequencies
    fuzzy: tuple[tuple[str, str, float], ...]  # (label, condition, m): u from pairs
    else_m: float
    sample_pairs: int = U_SAMPLE_PAIRS  # at most this many pairs for the u of `fuzzy`

    def case_sql(self, left: str, right: str) -> str:
        """Level index (0 = null, 1.. = levels in order, last = anders) of a pair."""
        parts = [f"WHEN {left} IS NULL OR {right} IS NULL THEN 0"]
        conditions = [c for _, c in self.exact] + [c for _, c, _ in self.fuzzy]
        for i, condition in enumerate(conditions, start=1):
            parts.append(f"WHEN {condition.format(l=left, r=right)} THEN {i}")
        parts.append(f"ELSE {len(conditions) + 1}")
        return "CASE " + " ".join(parts) + " END"


_COMPARISONS: tuple[_Comparison, ...] = (
    _Comparison(
        column="v_nummer",
        exact_m=0.90,
        exact=(("gelijk", "{l} = {r}"),),
        fuzzy=(
            ("1 verschil", "damerau_levenshtein({l}, {r}) <= 1", 0.06),
            ("2 verschillen", "damerau_levenshtein({l}, {r}) <= 2", 0.02),
        ),
        else_m=0.02,
        sample_pairs=U_SAMPLE_PAIRS_V_NUMMER,
    ),
    _Comparison(
        column="geboortedatum",
        exact_m=0.90,
        exact=(
            ("gelijk (1 januari)", "{l} = {r} AND month({l}) = 1 AND day({l}) = 1"),
            ("gelijk", "{l} = {r}"),
        ),
        fuzzy=(
            (
                "dag en maand verwisseld",
                "year({l}) = year({r}) AND month({l}) = day({r}) AND day({l}) = month({r})",
                0.02,
            ),
            (
                "een deel anders",
                "(CAST(year({l}) = year({r}) AS INTEGER) + CAST(month({l}) = month({r}) AS INTEGER)"
                " + CAST(day({l}) = day({r}) AS INTEGER)) = 2",
                0.04,
            ),
            ("binnen een jaar", "abs(date_diff('day', {l}, {r})) <= 365", 0.02),
        ),
        else_m=0.02,
    ),
    _Comparison(column="geslacht", exact_m=0.97, exact=(("gelijk", "{l} = {r}"),), fuzzy=(), else_m=0.03),
    _Comparison(column="nationaliteit", exact_m=0.95, exact=(("gelijk", "{l} = {r}"),), fuzzy=(), else_m=0.05),
)

_TINY = 1e-12  # lower bound of any m or u (a level absent from the data must still be > 0)


@dataclass(frozen=True, slots=True)
class _Parameters:
    """Measured on the national table: u (and the m split of exact levels) per comparison."""

    reference_kennisstand: str
    persons: int
    pairs: int  # pairs of national persons behind the u of the non-exact levels
    m: dict[str, list[float]]  # column -> m per non-null level, in level order (last: anders)
    u: dict[str, list[float]]


# --------------------------------------------------------------------------------------------
# Candidate pairs (blocking). Every rule also requires the same kennisstand. The same rules
# select, on the caller's connection, the national persons worth handing to Splink, and make
# Splink's pairs.

# (label, columns that must be equal)
_EQUAL_KEY_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("geboortedatum (niet 1 januari) en geslacht", ("datum_bekend", "geslacht")),
    ("geboortedatum (niet 1 januari) en nationaliteit", ("datum_bekend", "nationaliteit")),
    ("geslacht, nationaliteit, jaar en maand", ("geslacht", "nationaliteit", "jaar", "maand")),
    ("geslacht, nationaliteit, jaar en dag", ("geslacht", "nationaliteit", "jaar", "dag")),
    ("geslacht, nationaliteit, maand en dag (niet 1 januari)", ("geslacht", "nationaliteit", "maand_dag")),
)
# The national side of those columns, as expressions over the national table's own columns
# ({n}: the table alias). Equal to a client's datum_bekend or maand_dag, they are not 1 January.
_NATIONAL_KEY_SQL = {
    "datum_bekend": "{n}.geboortedatum",
    "geslacht": "{n}.geslacht",
    "nationaliteit": "{n}.nationaliteit",
    "jaar": "year({n}.geboortedatum)",
    "maand": "month({n}.geboortedatum)",
    "dag": "day({n}.geboortedatum)",
    "maand_dag": "month({n}.geboortedatum) * 100 + day({n}.geboortedatum)",
}

# For a client: its v_nummer and every digit string at Damerau-Levenshtein distance 1 (a digit
# replaced, two neighbours swapped, a digit deleted, a digit inserted): at most ~230 strings.
_NEIGHBOURHOOD_SQL = """CASE WHEN v_nummer IS NULL THEN []::VARCHAR[] ELSE list_distinct(flatten([
            [v_nummer],
            list_transform(range(length(v_nummer) * 10), lambda k:
                substr(v_nummer, 1, k // 10) || CAST(k % 10 AS VARCHAR) || substr(v_nummer, k // 10 + 2)),
            list_transform(range(greatest(length(v_nummer) - 1, 0)), lambda p:
                substr(v_nummer, 1, p) || substr(v_nummer, p + 2, 1) || substr(v_nummer, p + 1, 1)
                || substr(v_nummer, p + 3)),
            list_transform(range(length(v_nummer)), lambda p:
                substr(v_nummer, 1, p) || substr(v_nummer, p + 2)),
            list_transform(range((length(v_nummer) + 1) * 10), lambda k:
                substr(v_nummer, 1, k // 10) || CAST(k % 10 AS VARCHAR) || substr(v_nummer, k // 10 + 1))
        ])) END"""


def _splink_blocking_rules() -> list[Any]:
    from splink import block_on
    from splink.blocking_rule_library import CustomRule

    return [
        *(block_on("kennisstand", *columns) for _, columns in _EQUAL_KEY_RULES),
        # symmetric: swapping day and month twice gives the date back
        CustomRule("l.kennisstand = r.kennisstand AND l.geboortedatum = r.datum_verwisseld"),
        # Last: Splink does not exclude the pairs of an exploding rule from later rules.
        block_on("kennisstand", "v_buren", arrays_to_explode=["v_buren"]),
    ]


# --------------------------------------------------------------------------------------------
# SQL run on the caller's connection (read only).


def _derived_columns(v_buren: str) -> str:
    return f"""
        CASE WHEN NOT (month(geboortedatum) = 1 AND day(geboortedatum) = 1) THEN geboortedatum END
            AS datum_bekend,
        year(geboortedatum) AS jaar,
        month(geboortedatum) AS maand,
        day(geboortedatum) AS dag,
        CASE WHEN NOT (month(geboortedatum) = 1 AND day(geboortedatum) = 1)
             THEN month(geboortedatum) * 100 + day(geboortedatum) END AS maand_dag,
        CASE WHEN day(geboortedatum) <= 12 AND day(geboortedatum) <> month(geboortedatum)
             THEN make_date(year(geboortedatum), day(geboortedatum), month(geboortedatum))
        END AS datum_verwisseld,
        {v_buren} AS v_buren"""


def _clients_sql(clients: str) -> str:
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
        SELECT 'c' || CAST(row_number() OVER (ORDER BY kennisstand, bron, client_id, v_nummer,
                   geboortedatum, geslacht, nationaliteit) AS VARCHAR) AS unique_id,
            'client' AS rol, kennisstand, bron, client_id, v_nummer, geboortedatum, geslacht,
            nationaliteit, {_derived_columns(_NEIGHBOURHOOD_SQL)}
        FROM c
    """


def _national_candidates_sql(clients: str, national: str) -> str:
    """The national persons (of the clients' kennisstanden) that share a block with a client."""
    semi_joins = [
        "SELECT n.kennisstand, n.v_nummer FROM n SEMI JOIN c ON n.kennisstand = c.kennisstand AND "
        + " AND ".join(f"{_NATIONAL_KEY_SQL[col].format(n='n')} = c.{col}" for col in columns)
        for _, columns in _EQUAL_KEY_RULES
    ]
    semi_joins.append(
        "SELECT n.kennisstand, n.v_nummer FROM n SEMI JOIN c"
        " ON n.kennisstand = c.kennisstand AND n.geboortedatum = c.datum_verwisseld"
    )
    semi_joins.append(
        "SELECT n.kennisstand, n.v_nummer FROM n SEMI JOIN"
        " (SELECT kennisstand, unnest(v_buren) AS v FROM c) AS b"
        " ON n.kennisstand = b.kennisstand AND n.v_nummer = b.v"
    )
    union = "\n            UNION\n            ".join(semi_joins)
    return f"""
        WITH c AS ({_clients_sql(clients)}),
        n AS (
            SELECT CAST(kennisstand AS VARCHAR) AS kennisstand, CAST(v_nummer AS VARCHAR) AS v_nummer,
                CAST(geboortedatum AS DATE) AS geboortedatum, CAST(geslacht AS VARCHAR) AS geslacht,
                CAST(nationaliteit AS VARCHAR) AS nationaliteit
            FROM {national}
            WHERE CAST(kennisstand AS VARCHAR) IN (SELECT kennisstand FROM c) AND v_nummer IS NOT NULL
        ),
        hit AS (
            {union}
        ),
        selected AS (SELECT n.* FROM n SEMI JOIN hit ON n.kennisstand = hit.kennisstand AND n.v_nummer = hit.v_nummer)
        SELECT 'n' || CAST(row_number() OVER (ORDER BY kennisstand, v_nummer) AS VARCHAR) AS unique_id,
            'nationaal' AS rol, kennisstand, CAST(NULL AS VARCHAR) AS bron, CAST(NULL AS VARCHAR) AS client_id,
            v_nummer, geboortedatum, geslacht, nationaliteit, {_derived_columns("[v_nummer]")}
        FROM selected
    """


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _measure_parameters(
    con: duckdb.DuckDBPyConnection, national: str, kennisstanden: list[str]
) -> _Parameters | None:
    """u (and the m split of exact levels) from the national persons of the reference
    kennisstand: the one among `kennisstanden` with the most national persons."""
    in_list = ", ".join(_literal(k) for k in kennisstanden)
    row = con.execute(
        f"""SELECT CAST(kennisstand AS VARCHAR) AS k, count(*) AS n FROM {national}
            WHERE CAST(kennisstand AS VARCHAR) IN ({in_list}) AND v_nummer IS NOT NULL
            GROUP BY ALL ORDER BY n DESC, k DESC LIMIT 1"""
    ).fetchall()
    if not row:
        return None
    reference, persons = row[0][0], int(row[0][1])
    ref_sql = f"""
        SELECT CAST(v_nummer AS VARCHAR) AS v_nummer, CAST(geboortedatum AS DATE) AS geboortedatum,
            CAST(geslacht AS VARCHAR) AS geslacht, CAST(nationaliteit AS VARCHAR) AS nationaliteit
        FROM {national}
        WHERE CAST(kennisstand AS VARCHAR) = {_literal(reference)} AND v_nummer IS NOT NULL"""

    m: dict[str, list[float]] = {}
    u: dict[str, list[float]] = {}

    # Exact levels: value frequencies. Level of a value = the level of the pair (value, value).
    exact_u: dict[str, dict[int, float]] = {}
    exact_share: dict[str, dict[int, float]] = {}
    for comp in _COMPARISONS:
        col = comp.column
        rows = con.execute(
            f"""WITH v AS (SELECT {col} AS x, count(*) AS c FROM ({ref_sql}) WHERE {col} IS NOT NULL GROUP BY ALL),
                t AS (SELECT sum(c) AS total FROM v)
            SELECT {comp.case_sql('x', 'x')} AS level, sum(c * c) / (max(total) * max(total)),
                sum(c) / max(total)
            FROM v, t GROUP BY ALL"""
        ).fetchall()
        exact_u[col] = {int(level): float(uu) for level, uu, _ in rows}
        exact_share[col] = {int(level): float(share) for level, _, share in rows}

    # Other levels: pairs of different persons, all of them or a deterministic sample: persons
    # in md5 order, each paired with the persons at fixed offsets (offset k: the k-th batch of
    # `persons` pairs). A comparison with a smaller `sample_pairs` uses the first batches only.
    if persons * (persons - 1) <= U_SAMPLE_PAIRS:
        offsets = list(range(1, persons))
    else:
        count = max(1, math.ceil(U_SAMPLE_PAIRS / persons))
        offsets = sorted({1 + (i * (persons - 1)) // count for i in range(count)})
    sampled = [c for c in _COMPARISONS if c.fuzzy]
    level_columns = ", ".join(
        f"CASE WHEN o.batch < {max(1, math.ceil(c.sample_pairs / persons))} "
        f"THEN {c.case_sql(f'a.{c.column}', f'b.{c.column}')} END AS lvl_{c.column}"
        for c in sampled
    )
    counts = ", ".join(
        f"count(*) FILTER (WHERE lvl_{c.column} = {i}) AS n_{c.column}_{i}"
        for c in sampled
        for i in range(len(c.exact) + 1, len(c.exact) + len(c.fuzzy) + 1)
    )
    nonnull = ", ".join(f"count(*) FILTER (WHERE lvl_{c.column} > 0) AS nn_{c.column}" for c in sampled)
    pairs_sql = f"""
        WITH r AS (SELECT *, row_number() OVER (ORDER BY md5_number(v_nummer), v_nummer) - 1 AS i FROM ({ref_sql})),
        o AS (SELECT offset_, row_number() OVER (ORDER BY offset_) - 1 AS batch
              FROM (SELECT unnest({offsets!r}) AS offset_)),
        p AS (
            SELECT {level_columns}
            FROM r AS a CROSS JOIN o JOIN r AS b ON b.i = (a.i + o.offset_) % {persons}
        )
        SELECT count(*) AS pairs, {nonnull}, {counts} FROM p"""
    cur = con.execute(pairs_sql)
    names = [d[0] for d in cur.description]
    stats = dict(zip(names, cur.fetchall()[0]))
    pairs = int(stats["pairs"])

    for comp in _COMPARISONS:
        col = comp.column
        n_exact, n_fuzzy = len(comp.exact), len(comp.fuzzy)
        nonnull_pairs = int(stats.get(f"nn_{col}") or 0)
        floor = 0.5 / max(nonnull_pairs, 1)
        m_col: list[float] = []
        u_col: list[float] = []
        for i in range(1, n_exact + 1):
            m_col.append(max(comp.exact_m * exact_share[col].get(i, 0.0), _TINY))
            u_col.append(max(exact_u[col].get(i, 0.0), _TINY))
        for j, (_, _, m_level) in enumerate(comp.fuzzy, start=n_exact + 1):
            m_col.append(m_level)
            u_col.append(max(int(stats[f"n_{col}_{j}"]) / nonnull_pairs, floor) if nonnull_pairs else floor)
        m_col.append(comp.else_m)
        u_col.append(max(1.0 - sum(u_col), floor if comp.fuzzy else _TINY))
        m[col] = m_col
        u[col] = u_col
    return _Parameters(reference, persons, pairs, m, u)


# --------------------------------------------------------------------------------------------
# Splink


def _splink_settings(params: _Parameters) -> Any:
    from splink import SettingsCreator
    from splink.comparison_level_library import CustomLevel, ElseLevel
    from splink.comparison_library import CustomComparison

    comparisons = []
    for comp in _COMPARISONS:
        col = comp.column
        left, right = f'"{col}_l"', f'"{col}_r"'
        levels = [
            CustomLevel(f"{left} IS NULL OR {right} IS NULL", label_for_charts="leeg").configure(is_null_level=True)
        ]
        conditions = [(label, cond) for label, cond in comp.exact] + [(label, cond) for label, cond, _ in comp.fuzzy]
        for (label, cond), m_level, u_level in zip(conditions, params.m[col], params.u[col]):
            levels.append(
                CustomLevel(cond.format(l=left, r=right), label_for_charts=label).configure(
                    m_probability=m_level, u_probability=u_level
                )
            )
        levels.append(
            ElseLevel().configure(
                m_probability=params.m[col][-1], u_probability=params.u[col][-1], label_for_charts="anders"
            )
        )
        comparisons.append(
            CustomComparison(comparison_levels=levels, output_column_name=col, comparison_description=col)
        )

    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=_splink_blocking_rules(),
        probability_two_random_records_match=1.0 / max(params.persons, 2),
        # Not retain_matching_columns: it would also carry every blocking column through the
        # pairs, among them the clients' v_buren lists (the output grew tenfold).
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=[
            "rol", "kennisstand", "bron", "client_id", *(c.column for c in _COMPARISONS)
        ],
    )


@contextlib.contextmanager
def _quiet(con: duckdb.DuckDBPyConnection, quiet: bool) -> Iterator[None]:
    if not quiet:
        yield
        return
    splink_logger = logging.getLogger("splink")
    level = splink_logger.level
    progress = con.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0][0]
    splink_logger.setLevel(logging.ERROR)
    con.execute("SET enable_progress_bar = false")
    try:
        yield
    finally:
        splink_logger.setLevel(level)
        con.execute(f"SET enable_progress_bar = {'true' if progress else 'false'}")


def probabilistic_matches(
    con: duckdb.DuckDBPyConnection,
    clients: str,
    national: str,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    quiet: bool = True,
) -> list[ProbabilisticMatch]:
    """Score the municipal `clients` against the `national` persons of the same kennisstand.

    `clients`: table/view with kennisstand, bron, client_id, v_nummer (digits, nullable),
    geboortedatum, geslacht, nationaliteit. `national`: table/view with kennisstand,
    v_nummer, geboortedatum (nullable), geslacht, nationaliteit; one row per person per
    kennisstand. Both are only read.

    Returns one `ProbabilisticMatch` per client (kennisstand, bron, client_id) that has at
    least one candidate, best first. `threshold` does not filter: it is the default of
    `accepted`, which the caller applies (p >= threshold and second best < 0.5). Deterministic:
    no training, no randomness (see the module docstring for the parameters).
    """
    del threshold  # the caller decides with `accepted(match, threshold)`
    with _quiet(con, quiet):
        client_rows = con.sql(_clients_sql(clients)).to_arrow_table()
        if client_rows.num_rows == 0:
            return []
        kennisstanden = sorted(set(client_rows.column("kennisstand").to_pylist()))
        params = _measure_parameters(con, national, kennisstanden)
        if params is None:
            return []
        national_rows = con.sql(_national_candidates_sql(clients, national)).to_arrow_table()
        if national_rows.num_rows == 0:
            return []
    return _run_splink(client_rows, national_rows, params, quiet)


def _run_splink(client_rows: Any, national_rows: Any, params: _Parameters, quiet: bool) -> list[ProbabilisticMatch]:
    from splink import DuckDBAPI, Linker

    private = duckdb.connect(":memory:")
    try:
        with _quiet(private, quiet):
            private.register("__lvv_clients", client_rows)
            private.register("__lvv_national", national_rows)
            db_api = DuckDBAPI(connection=private)
            linker = Linker(
                [
                    db_api.register("__lvv_clients", table_name="clients"),
                    db_api.register("__lvv_national", table_name="nationaal"),
                ],
                _splink_settings(params),
                log_level=None,
            )
            predictions = linker.inference.predict(warning_mode="never")
            rows = private.execute(_best_candidates_sql(predictions.physical_name)).fetchall()
    finally:
        private.close()
    return [_to_match(row) for row in rows]


def _best_candidates_sql(predictions: str) -> str:
    """Per client: the best national person, the best probability of any other person, and
    the number of persons compared. Ties go to the lowest v_nummer (deterministic).
    (arg_min over a struct rather than a window: DuckDB sorts string keys slowly.)"""
    values = ["unique_id", "kennisstand", "bron", "client_id", *(c.column for c in _COMPARISONS)]

    def oriented(client: str, person: str) -> str:
        return ", ".join(
            [f"{v}_{client} AS c_{v}" for v in values] + [f"{c.column}_{person} AS n_{c.column}" for c in _COMPARISONS]
        )

    fields = ["match_probability", "match_weight"] + [f"{side}_{c.column}" for c in _COMPARISONS for side in ("c", "n")]
    return f"""
        WITH p AS (
            -- Splink puts the first input (the clients) left; the rol column makes sure.
            SELECT {oriented('l', 'r')}, match_probability, match_weight FROM {predictions} WHERE rol_l = 'client'
            UNION ALL
            SELECT {oriented('r', 'l')}, match_probability, match_weight FROM {predictions} WHERE rol_r = 'client'
        ),
        per_client AS (
            SELECT c_kennisstand, c_bron, c_client_id, count(DISTINCT n_v_nummer) AS candidates,
                arg_min(struct_pack({", ".join(fields)}),
                        struct_pack(w := -match_weight, v := n_v_nummer, c := c_unique_id)) AS best
            FROM p GROUP BY ALL
        ),
        runner_up AS (
            SELECT p.c_kennisstand, p.c_bron, p.c_client_id, max(p.match_probability) AS second
            FROM p JOIN per_client USING (c_kennisstand, c_bron, c_client_id)
            WHERE p.n_v_nummer <> per_client.best.n_v_nummer
            GROUP BY ALL
        )
        SELECT c_kennisstand, c_bron, c_client_id, best.n_v_nummer, best.match_probability,
            coalesce(runner_up.second, 0.0), candidates, best.match_weight,
            {", ".join(f"best.c_{c.column}, best.n_{c.column}" for c in _COMPARISONS)}
        FROM per_client LEFT JOIN runner_up USING (c_kennisstand, c_bron, c_client_id)
        ORDER BY best.match_probability DESC, c_kennisstand, c_bron, c_client_id
    """


def _to_match(row: tuple[Any, ...]) -> ProbabilisticMatch:
    kennisstand, bron, client_id, v_nummer, p, second, candidates, weight = row[:8]
    rest = row[8:]
    parts = []
    for i, comp in enumerate(_COMPARISONS):
        client_value, national_value = rest[2 * i : 2 * i + 2]
        parts.append(_evidence(comp, client_value, national_value))
    return ProbabilisticMatch(
        kennisstand=kennisstand,
        bron=bron,
        client_id=client_id,
        v_nummer=v_nummer,
        match_probability=float(p),
        second_best_probability=float(second),
        evidence="; ".join(parts),
        candidates=int(candidates),
        match_weight=float(weight),
    )


# --------------------------------------------------------------------------------------------
# Evidence in words


def _evidence(comp: _Comparison, client_value: Any, national_value: Any) -> str:
    col = comp.column
    if client_value is None or national_value is None:
        what = "leeg"
    elif col == "v_nummer":
        what = _v_nummer_difference(str(client_value), str(national_value))
    elif col == "geboortedatum":
        what = _date_difference(client_value, national_value)
    else:
        what = "gelijk" if client_value == national_value else f"anders ({client_value} / {national_value})"
    return f"{col} {what}" if col in ("geslacht", "nationaliteit") else f"{col}: {what}"


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
        return {0: "jaar anders", 1: "maand anders", 2: "dag anders"}[same.index(False)]
    days = abs((a - b).days)
    if days <= 365:
        return f"{days} dagen verschil"
    return "anders"

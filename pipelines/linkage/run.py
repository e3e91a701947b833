"""The linkage step: municipal persons → national v_nummers, with method, score and evidence.

Writes, in schema `linkage` of the pipeline database (restricted zone):
- `linkage.person_links`: one row per (kennisstand, bron, client_id): the linked v_nummer (or
  NULL), methode (`v_nummer`, `demografie`, `splink`, `handmatig`), score, bewijs, review_reden,
  and `persoon_key`: the pseudonym every later table uses. A linked person's key is the HMAC of
  the v_nummer, so it is the same in every pilot, every knowledge state and every night; adding a
  delivery never renumbers a linked person. An unlinked person is one client of one pilot.
- `linkage.verblijf_keys`: the pseudonym of every stay (bron, verblijf_id).
- the review list as CSV for reviewers: `<warehouse>/review/reviewlijst.csv`, and beside it an
  HTML page per candidate pair with Splink's waterfall of match weights (`review/paren/`, review.py).

Reviewer decisions come from `<warehouse>/review/koppelbeslissingen.csv` (or the file named by
LVV_KOPPELBESLISSINGEN): columns bron, client_id, v_nummer, beslissing (BEVESTIGD | AFGEWEZEN),
beoordelaar, datum, toelichting. They hold in every later run until the row is removed.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipelines.config import connect_capped
from pipelines.fsperm import restrict_file, restricted_dir
from pipelines.linkage.deterministic import CLIENTS_SQL, DECISIONS_DDL, DETERMINISTIC_SQL, NATIONAL_SQL
from pipelines.pseudonym import pseudonym_key, pseudonymize

if TYPE_CHECKING:  # Splink is optional: the module is imported when it runs
    from pipelines.linkage.probabilistic import _Parameters

DECISIONS_ENV = "LVV_KOPPELBESLISSINGEN"
DECISION_COLUMNS = ["bron", "client_id", "v_nummer", "beslissing", "beoordelaar", "datum", "toelichting"]
DECISIONS = ("BEVESTIGD", "AFGEWEZEN")
SPLINK_THRESHOLD = 0.99


@dataclass
class LinkageSummary:
    per_method: dict[str, int] = field(default_factory=dict)  # newest state, per method
    review: dict[str, int] = field(default_factory=dict)  # newest state, per review reason
    decisions_applied: int = 0
    decision_problems: list[str] = field(default_factory=list)
    splink_available: bool = True


def decisions_path(warehouse: Path) -> Path:
    return Path(os.environ.get(DECISIONS_ENV) or warehouse / "review" / "koppelbeslissingen.csv")


def read_decisions(path: Path) -> tuple[list[tuple], list[str]]:
    """Valid decision rows and a readable problem per invalid row (reported, never silently used)."""
    if not path.exists():
        return [], []
    rows, problems = [], []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("bron", "client_id", "v_nummer", "beslissing") if c not in (reader.fieldnames or [])]
        if missing:
            return [], [f"{path}: kolommen ontbreken: {', '.join(missing)}"]
        for number, row in enumerate(reader, start=2):
            beslissing = (row.get("beslissing") or "").strip().upper()
            v_nummer = "".join(ch for ch in (row.get("v_nummer") or "") if ch.isdigit())
            if beslissing not in DECISIONS:
                problems.append(f"{path.name} rij {number}: beslissing moet BEVESTIGD of AFGEWEZEN zijn")
                continue
            if len(v_nummer) != 10:
                problems.append(f"{path.name} rij {number}: v_nummer moet 10 cijfers zijn")
                continue
            try:
                datum = date.fromisoformat(row["datum"].strip()) if (row.get("datum") or "").strip() else None
            except ValueError:
                problems.append(f"{path.name} rij {number}: datum moet JJJJ-MM-DD zijn")
                continue
            rows.append((row["bron"].strip().lower(), row["client_id"].strip(), v_nummer, beslissing,
                         (row.get("beoordelaar") or "").strip(), datum, (row.get("toelichting") or "").strip()))
    return rows, problems


def _apply_probabilistic(con: duckdb.DuckDBPyConnection, summary: LinkageSummary) -> _Parameters | None:
    """Link clients without any exact candidate when Splink finds one with confidence.

    Returns the model parameters Splink scored with (None if it did not run), for the review pages."""
    try:
        from pipelines.linkage.probabilistic import accepted, probabilistic_matches
    except ImportError:
        summary.splink_available = False
        return None
    con.execute("""
        CREATE OR REPLACE TEMP VIEW link_splink_clients AS
        SELECT d.kennisstand, d.bron, d.client_id,
               nullif(split_part(d.v_nummer_geleverd, ',', 1), '') AS v_nummer,
               d.geboortedatum, d.geslacht, d.nationaliteit
        FROM link_deterministic d
        WHERE d.methode IS NULL AND d.review_reden IN ('geen kandidaat', 'tegenstrijdig bewijs')
          AND NOT (d.v_nummer_geleverd LIKE '%,%')
    """)
    con.execute("""
        CREATE OR REPLACE TEMP VIEW link_splink_national AS
        SELECT n.* FROM link_national n
        WHERE n.kennisstand IN (SELECT DISTINCT kennisstand FROM link_splink_clients)
    """)
    if not con.execute("SELECT count(*) FROM link_splink_clients").fetchall()[0][0]:
        return None
    rejected = {tuple(r) for r in con.execute(
        "SELECT bron, client_id, v_nummer FROM link_decisions WHERE beslissing = 'AFGEWEZEN'").fetchall()}
    parameters: list[_Parameters] = []
    matches = [
        m for m in probabilistic_matches(con, "link_splink_clients", "link_splink_national", threshold=SPLINK_THRESHOLD,
                                         parameters_out=parameters)
        if accepted(m, SPLINK_THRESHOLD) and (m.bron, m.client_id, m.v_nummer) not in rejected
    ]
    if matches:
        # One UPDATE joined to all matches: a statement per match scanned link_deterministic each
        # time (200 matches at scale 100: ~14 s).
        import pyarrow as pa

        names = ["kennisstand", "bron", "client_id", "v_nummer", "score", "kans", "tweede", "evidence"]
        rows = [(m.kennisstand, m.bron, m.client_id, m.v_nummer, m.match_probability, round(m.match_probability, 4),
                 round(m.second_best_probability, 4), m.evidence) for m in matches]
        con.register("splink_matches", pa.table({name: [row[i] for row in rows] for i, name in enumerate(names)}))
        con.execute("""
            UPDATE link_deterministic AS l
            SET v_nummer = m.v_nummer, methode = 'splink', score = m.score, review_reden = NULL,
                bewijs = 'Splink: kans ' || m.kans || ' (tweede kandidaat ' || m.tweede || '); ' || m.evidence
            FROM splink_matches m
            WHERE l.kennisstand = m.kennisstand AND l.bron = m.bron AND l.client_id = m.client_id
        """)
        con.unregister("splink_matches")
    return parameters[0] if parameters else None


def _apply_confirmations(con: duckdb.DuckDBPyConnection) -> int:
    """A reviewer's BEVESTIGD overrides whatever the linker decided, in every knowledge state."""
    updated = con.execute("""
        UPDATE link_deterministic AS l
        SET v_nummer = d.v_nummer, methode = 'handmatig', score = 1.0, review_reden = NULL,
            bewijs = 'bevestigd door ' || coalesce(nullif(d.beoordelaar, ''), 'beoordelaar')
                     || coalesce(' op ' || strftime(d.datum, '%Y-%m-%d'), '')
                     || coalesce(': ' || nullif(d.toelichting, ''), '')
        FROM link_decisions d
        WHERE d.beslissing = 'BEVESTIGD' AND d.bron = l.bron AND d.client_id = l.client_id
        RETURNING 1
    """).fetchall()
    return len(updated)


def _mark_rejected_review(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        UPDATE link_deterministic AS l
        SET review_reden = 'afgewezen door beoordelaar'
        WHERE l.methode IS NULL AND l.review_reden = 'geen kandidaat'
          AND EXISTS (SELECT 1 FROM link_decisions d
                      WHERE d.beslissing = 'AFGEWEZEN' AND d.bron = l.bron AND d.client_id = l.client_id)
    """)


def _pseudonym_table(con: duckdb.DuckDBPyConnection, name: str, sql: str, purpose: str, key: bytes) -> None:
    """Materialize (value → pseudonym) for the distinct values of `sql`'s single column."""
    values = [r[0] for r in con.execute(sql).fetchall()]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (waarde VARCHAR, pseudoniem VARCHAR)")
    if values:
        import pyarrow as pa

        table = pa.table({"waarde": values, "pseudoniem": [pseudonymize(v, purpose, key) for v in values]})
        con.register("pseudonyms_in", table)
        con.execute(f"INSERT INTO {name} SELECT * FROM pseudonyms_in")
        con.unregister("pseudonyms_in")


def run_linkage(db_path: Path, warehouse: Path, demo: bool | None = None) -> LinkageSummary:
    """Link every knowledge state, apply reviewer decisions, write the link tables."""
    key = pseudonym_key(demo)  # fails early, with what to do, when no key is configured
    summary = LinkageSummary()
    decision_rows, summary.decision_problems = read_decisions(decisions_path(warehouse))
    con = connect_capped(str(db_path))
    try:
        con.execute(CLIENTS_SQL)
        con.execute(NATIONAL_SQL)
        con.execute(DECISIONS_DDL)
        if decision_rows:
            con.executemany("INSERT INTO link_decisions VALUES (?, ?, ?, ?, ?, ?, ?)", decision_rows)
        con.execute(DETERMINISTIC_SQL)  # with score 1.0 where the contract rule linked
        splink_parameters = _apply_probabilistic(con, summary)
        summary.decisions_applied = _apply_confirmations(con)
        _mark_rejected_review(con)
        _pseudonym_table(con, "person_pseudonyms", """
            SELECT DISTINCT CASE WHEN v_nummer IS NOT NULL THEN 'v:' || v_nummer
                                 ELSE 'c:' || bron || ':' || client_id END
            FROM link_deterministic""", "persoon", key)
        _pseudonym_table(con, "stay_pseudonyms", """
            SELECT DISTINCT gemeente_bron || ':' || verblijf_id
            FROM intermediate.int_verblijven__per_kennisstand""", "verblijf", key)
        con.execute("CREATE SCHEMA IF NOT EXISTS linkage")
        con.execute("""
            CREATE OR REPLACE TABLE linkage.person_links AS
            SELECT l.kennisstand, l.bron, l.client_id, l.v_nummer, l.methode, l.score, l.bewijs,
                   l.review_reden, l.review_reden IS NOT NULL AS op_reviewlijst,
                   l.v_nummer_geleverd, l.v_nummer_wijst_naar_ander, p.pseudoniem AS persoon_key
            FROM link_deterministic l
            JOIN person_pseudonyms p ON p.waarde = CASE WHEN l.v_nummer IS NOT NULL THEN 'v:' || l.v_nummer
                                                        ELSE 'c:' || l.bron || ':' || l.client_id END
            ORDER BY l.kennisstand, l.bron, l.client_id
        """)
        con.execute("""
            CREATE OR REPLACE TABLE linkage.verblijf_keys AS
            SELECT split_part(waarde, ':', 1) AS bron, substr(waarde, strpos(waarde, ':') + 1) AS verblijf_id,
                   pseudoniem AS verblijf_key
            FROM stay_pseudonyms ORDER BY 1, 2
        """)
        for methode, n in con.execute("""
            SELECT coalesce(methode, 'niet gekoppeld'), count(*) FROM linkage.person_links
            WHERE kennisstand = 'nieuwste' GROUP BY 1 ORDER BY 1""").fetchall():
            summary.per_method[methode] = n
        for reden, n in con.execute("""
            SELECT review_reden, count(*) FROM linkage.person_links
            WHERE kennisstand = 'nieuwste' AND op_reviewlijst GROUP BY 1 ORDER BY 1""").fetchall():
            summary.review[reden] = n
        _export_review_list(con, warehouse)
        _write_review_pages(con, warehouse, splink_parameters)
    finally:
        con.close()
    return summary


def _write_review_pages(con: duckdb.DuckDBPyConnection, warehouse: Path,
                        splink_parameters: _Parameters | None = None) -> None:
    """An HTML page per candidate pair beside the list (review.py); needs Splink, like step 3.

    `splink_parameters`: those the probabilistic step measured; the pages reuse them when they were
    measured on the newest kennisstand, the one the pages score (the measuring costs ~1 s at scale 100).
    The pages help the reviewers but the figures do not depend on them: a failure is a warning
    in the run's log, not a failed linkage step."""
    try:
        from pipelines.linkage.review import write_review_pages
    except ImportError:
        return
    try:
        write_review_pages(con, warehouse, parameters=splink_parameters)
    except Exception as exc:  # noqa: BLE001 - see the docstring
        from pipelines.log import progress_logger

        progress_logger.warning(f"koppeling: reviewpagina's niet geschreven: {type(exc).__name__}: {exc}")


def _export_review_list(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Path:
    """The newest review list as CSV, with empty decision columns for the reviewer to fill in."""
    out = restricted_dir(warehouse / "review") / "reviewlijst.csv"
    rows = con.execute("""
        SELECT bron, client_id, v_nummer_geleverd, strftime(geboortedatum, '%Y-%m-%d'), geslacht, nationaliteit,
               review_reden, bewijs
        FROM link_deterministic WHERE kennisstand = 'nieuwste' AND review_reden IS NOT NULL
        ORDER BY bron, client_id
    """).fetchall()
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["bron", "client_id", "v_nummer_geleverd", "geboortedatum", "geslacht", "nationaliteit",
                         "review_reden", "bewijs", "v_nummer", "beslissing", "beoordelaar", "datum", "toelichting"])
        writer.writerows([*row, "", "", "", "", ""] for row in rows)
    return restrict_file(out)

"""The probabilistic linkage step (pipelines/linkage/probabilistic.py), on synthetic data."""

from __future__ import annotations

import logging
import random
import time
from datetime import date, timedelta

import duckdb
import pytest

from pipelines.linkage.probabilistic import (
    DEFAULT_THRESHOLD,
    ProbabilisticMatch,
    _damerau_levenshtein_at_most,
    _date_difference,
    _digit_counts_sql,
    _v_nummer_difference,
    accepted,
    probabilistic_matches,
)

K1 = "2020-11-01"  # kennisstand with all persons
K2 = "2020-10-01"  # an earlier kennisstand: the first 300 persons only

NATIONALITIES = {"ERI": 15, "IRN": 10, "NGA": 8, "GIN": 7, "AFG": 5, "IRQ": 4, "SOM": 4, "MAR": 3, "DZA": 3,
                 "XXX": 3, "SYR": 2, "GEO": 2, "ALB": 1, "TUN": 1, "MNG": 1}

# Hand-made persons (v_nummer, geboortedatum, geslacht, nationaliteit), added to the random ones.
TYPO_SWAP = ("2100038061", date(1990, 3, 7), "M", "IRN")  # client: 2100038161, 1990-07-03
TRANSPOSED = ("2100061234", date(1987, 9, 23), "V", "NGA")  # client: 2100062134, same dates
AMBIGUOUS = [  # three ERI men born 14 March 1995; the client: no v_nummer, born 15 March 1995
    ("2100071111", date(1995, 3, 14), "M", "ERI"),
    ("2100072222", date(1995, 3, 14), "M", "ERI"),
    ("2100073333", date(1995, 3, 14), "M", "ERI"),
]
RIGHT = ("2100054321", date(1979, 11, 30), "V", "SOM")  # the client typed 2100054312 ...
OTHER = ("2100054312", date(2001, 5, 2), "M", "AFG")  # ... which is this person's v_nummer
ONLY_K1 = ("2100088888", date(1983, 6, 19), "V", "GEO")  # not in K2
ISOLATED = ("3999912345", date(1966, 8, 8), "M", "MNG")  # nobody else within 2 keystrokes
HAND_MADE = [TYPO_SWAP, TRANSPOSED, *AMBIGUOUS, RIGHT, OTHER, ONLY_K1, ISOLATED]


def _random_persons(n: int, seed: int = 20201117) -> list[tuple[str, date, str, str]]:
    """Persons with realistic variety: v_nummers issued from one range, a fifth born on
    1 January (unknown birth dates), mostly men, a few common nationalities. None of them shares
    sex, nationality and year of birth with a hand-made person, so the scenarios stay as meant."""
    rng = random.Random(seed)
    reserved = {(p[2], p[3], p[1].year) for p in HAND_MADE}
    persons = []
    for number in rng.sample(range(100_000, 200_000), 2 * n):
        year = rng.randint(1965, 2003)
        born = date(year, 1, 1) if rng.random() < 0.2 else date(year, 1, 1) + timedelta(days=rng.randrange(365))
        sex = rng.choices(["M", "V", "X"], weights=[75, 24, 1])[0]
        nat = rng.choices(list(NATIONALITIES), weights=list(NATIONALITIES.values()))[0]
        if (sex, nat, year) not in reserved:
            persons.append((f"2100{number:06d}", born, sex, nat))
        if len(persons) == n:
            break
    return persons


def _connection(national: list[tuple[str, ...]], clients: list[tuple[object, ...]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute(
        "CREATE TABLE national (kennisstand VARCHAR, v_nummer VARCHAR, geboortedatum DATE, geslacht VARCHAR,"
        " nationaliteit VARCHAR)"
    )
    if national:
        con.executemany("INSERT INTO national VALUES (?, ?, ?, ?, ?)", national)
    con.execute(
        "CREATE TABLE clients (kennisstand VARCHAR, bron VARCHAR, client_id VARCHAR, v_nummer VARCHAR,"
        " geboortedatum DATE, geslacht VARCHAR, nationaliteit VARCHAR)"
    )
    if clients:
        con.executemany("INSERT INTO clients VALUES (?, ?, ?, ?, ?, ?, ?)", clients)
    return con


@pytest.fixture(scope="module")
def persons() -> list[tuple[str, date, str, str]]:
    return HAND_MADE + _random_persons(500 - len(HAND_MADE))


@pytest.fixture(scope="module")
def scenario(persons):
    """~500 national persons in K1, 300 of them also in K2, and one client per situation."""
    in_k2 = [p for p in persons[:300] if p != ONLY_K1]
    national = [(K1, *p) for p in persons] + [(K2, *p) for p in in_k2]
    clients = [
        (K1, "utrecht", "typo_swap", "2100038161", date(1990, 7, 3), "M", "IRN"),
        (K1, "utrecht", "transposed", "2100062134", date(1987, 9, 23), "V", "NGA"),
        (K1, "amsterdam", "ambiguous", None, date(1995, 3, 15), "M", "ERI"),
        (K1, "amsterdam", "nobody", "9876501234", date(1950, 7, 7), "X", "ISL"),
        (K1, "rotterdam", "typo_other", "2100054312", date(1979, 11, 30), "V", "SOM"),
        (K1, "groningen", "only_k1", "2100088889", date(1983, 6, 19), "V", "GEO"),
        (K2, "groningen", "only_k1", "2100088889", date(1983, 6, 19), "V", "GEO"),
        (K2, "eindhoven", "k2_typo_swap", "2100038161", date(1990, 7, 3), "M", "IRN"),
    ]
    con = _connection(national, clients)
    matches = probabilistic_matches(con, "clients", "national")
    return con, national, {(m.kennisstand, m.client_id): m for m in matches}, matches


def test_one_digit_typo_and_day_month_swapped_links_the_right_person(scenario):
    _, _, by_client, _ = scenario
    match = by_client[(K1, "typo_swap")]
    assert match.v_nummer == TYPO_SWAP[0]
    assert match.match_probability >= 0.99
    assert match.second_best_probability < 0.5
    assert accepted(match) and match.accepted
    assert match.evidence == (
        "v_nummer: 1 cijfer anders; geboortedatum: dag en maand verwisseld; geslacht gelijk; nationaliteit gelijk"
    )


def test_swapped_digits_with_exact_demographics_links(scenario):
    _, _, by_client, _ = scenario
    match = by_client[(K1, "transposed")]
    assert match.v_nummer == TRANSPOSED[0]
    assert accepted(match)
    assert match.evidence.startswith("v_nummer: 2 cijfers verwisseld; geboortedatum: gelijk;")


def test_empty_v_nummer_and_a_day_off_with_several_candidates_is_not_accepted(scenario):
    _, _, by_client, _ = scenario
    match = by_client[(K1, "ambiguous")]
    assert match.v_nummer in {p[0] for p in AMBIGUOUS}
    assert match.candidates >= 3
    assert match.second_best_probability == pytest.approx(match.match_probability)
    assert not accepted(match) and not match.accepted
    assert match.evidence.startswith("v_nummer: leeg; geboortedatum: dag anders;")


def test_a_client_matching_nobody_is_not_accepted(scenario):
    _, _, by_client, _ = scenario
    match = by_client.get((K1, "nobody"))
    assert match is None or not accepted(match)


def test_typo_into_another_persons_v_nummer_loses_to_the_demographics(scenario):
    _, _, by_client, _ = scenario
    match = by_client[(K1, "typo_other")]
    assert match.v_nummer == RIGHT[0]  # not OTHER, whose v_nummer the client typed
    assert accepted(match)
    assert match.evidence.startswith("v_nummer: 2 cijfers verwisseld; geboortedatum: gelijk;")


def test_kennisstanden_never_mix(scenario):
    _, national, by_client, matches = scenario
    persons_by_kennisstand = {(k, v) for k, v, *_ in national}
    assert all((m.kennisstand, m.v_nummer) in persons_by_kennisstand for m in matches)
    # The person exists in K1 only: found there, not in K2.
    assert by_client[(K1, "only_k1")].v_nummer == ONLY_K1[0] and accepted(by_client[(K1, "only_k1")])
    k2 = by_client.get((K2, "only_k1"))
    assert k2 is None or (k2.v_nummer != ONLY_K1[0] and not accepted(k2))
    # The same client in K2 links to the K2 record of the person.
    assert by_client[(K2, "k2_typo_swap")].v_nummer == TYPO_SWAP[0]
    assert by_client[(K2, "k2_typo_swap")].kennisstand == K2


def test_results_are_sorted_best_first_and_one_per_client(scenario):
    _, _, _, matches = scenario
    probabilities = [m.match_probability for m in matches]
    assert probabilities == sorted(probabilities, reverse=True)
    keys = [(m.kennisstand, m.bron, m.client_id) for m in matches]
    assert len(keys) == len(set(keys))
    assert all(isinstance(m, ProbabilisticMatch) for m in matches)


def test_deterministic_read_only_and_quiet(scenario, capsys, caplog):
    con, _, _, first = scenario
    tables_before = con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()
    con.execute("SET enable_progress_bar = true")
    caplog.set_level(logging.DEBUG)
    again = probabilistic_matches(con, "clients", "national")
    assert again == first
    assert con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall() == tables_before
    assert con.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0][0] is True
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert not [r for r in caplog.records if r.name.startswith("splink")]


def test_threshold_sets_accepted_but_filters_nothing(scenario):
    con, _, _, first = scenario
    strict = probabilistic_matches(con, "clients", "national", threshold=0.999999999)
    assert [(m.client_id, m.v_nummer) for m in strict] == [(m.client_id, m.v_nummer) for m in first]
    assert sum(m.accepted for m in strict) <= sum(m.accepted for m in first)
    assert all(m.accepted == accepted(m, 0.999999999) for m in strict)
    assert DEFAULT_THRESHOLD == 0.99


def test_empty_inputs_give_no_matches(persons):
    con = _connection([(K1, *p) for p in persons], [])
    assert probabilistic_matches(con, "clients", "national") == []
    con = _connection([], [(K1, "utrecht", "c1", "2100038161", date(1990, 7, 3), "M", "IRN")])
    assert probabilistic_matches(con, "clients", "national") == []
    # a kennisstand without national persons
    con = _connection([(K2, *p) for p in persons], [(K1, "utrecht", "c1", TYPO_SWAP[0], *TYPO_SWAP[1:])])
    assert probabilistic_matches(con, "clients", "national") == []


def test_a_person_registered_twice_counts_once(persons):
    """IND and DT&V may register one person with different demographics: one candidate."""
    national = [(K1, *p) for p in persons] + [(K1, TYPO_SWAP[0], TYPO_SWAP[1], "M", "XXX")]
    client = (K1, "utrecht", "typo_swap", "2100038161", date(1990, 7, 3), "M", "IRN")
    [match] = probabilistic_matches(_connection(national, [client]), "clients", "national")
    assert match.v_nummer == TYPO_SWAP[0] and match.accepted
    assert match.evidence.endswith("nationaliteit gelijk")  # the better of the two records
    assert match.second_best_probability < 0.5


def test_reads_temporary_views_and_leaves_a_database_file_untouched(persons, tmp_path):
    """The caller's connection may be the warehouse file: nothing of Splink's may land in it."""
    path = tmp_path / "lvv.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA staging")
    con.execute(
        "CREATE TABLE staging.nationaal (kennisstand VARCHAR, v_nummer VARCHAR, geboortedatum DATE,"
        " geslacht VARCHAR, nationaliteit VARCHAR)"
    )
    con.executemany("INSERT INTO staging.nationaal VALUES (?, ?, ?, ?, ?)", [(K1, *p) for p in persons])
    con.execute(
        "CREATE TEMP VIEW ongekoppeld AS SELECT * FROM (VALUES"
        " ('2020-11-01', 'utrecht', 'typo_swap', '2100038161', DATE '1990-07-03', 'M', 'IRN'))"
        " AS t(kennisstand, bron, client_id, v_nummer, geboortedatum, geslacht, nationaliteit)"
    )
    objects = "SELECT table_catalog, table_schema, table_name FROM information_schema.tables ORDER BY ALL"
    before = con.execute(objects).fetchall()
    [match] = probabilistic_matches(con, "ongekoppeld", "staging.nationaal")
    assert match.v_nummer == TYPO_SWAP[0] and match.accepted
    assert con.execute(objects).fetchall() == before
    con.close()


def test_every_single_keystroke_is_a_candidate(persons):
    """Clients one keystroke from an isolated national person, with demographics that block
    nowhere: only the v_nummer neighbourhood can find the person."""
    v = ISOLATED[0]
    typos = set()
    for i in range(len(v)):
        typos |= {v[:i] + d + v[i + 1 :] for d in "0123456789"}  # replaced
        typos.add(v[:i] + v[i + 1 :])  # deleted
    for i in range(len(v) + 1):
        typos |= {v[:i] + d + v[i:] for d in "0123456789"}  # inserted
    for i in range(len(v) - 1):
        typos.add(v[:i] + v[i + 1] + v[i] + v[i + 2 :])  # neighbours swapped
    typos.discard(v)
    clients = [(K1, "utrecht", f"c{n}", t, date(1900, 2, 3), "X", "ZZZ") for n, t in enumerate(sorted(typos))]
    con = _connection([(K1, *p) for p in persons], clients)
    matches = probabilistic_matches(con, "clients", "national")
    assert len(matches) == len(clients)
    assert {m.v_nummer for m in matches} == {v}
    kinds = {m.evidence.split(";")[0] for m in matches}
    assert kinds == {
        "v_nummer: 1 cijfer anders", "v_nummer: 2 cijfers verwisseld", "v_nummer: 1 cijfer te veel",
        "v_nummer: 1 cijfer te weinig",
    }


def test_damerau_levenshtein_shortcut_is_sound():
    """The digit-count bound in front of damerau_levenshtein never changes its answer."""
    rng = random.Random(7)
    pairs = []
    for _ in range(4000):
        a = "".join(rng.choice("0123456789") for _ in range(rng.choice([9, 10, 10, 11])))
        b = a
        for _ in range(rng.randint(0, 4)):
            i = rng.randrange(len(b) + 1)
            kind = rng.choice("SDIT")
            if kind == "S" and i < len(b):
                b = b[:i] + rng.choice("0123456789") + b[i + 1 :]
            elif kind == "D" and i < len(b):
                b = b[:i] + b[i + 1 :]
            elif kind == "I":
                b = b[:i] + rng.choice("0123456789") + b[i:]
            elif kind == "T" and i < len(b) - 1:
                b = b[:i] + b[i + 1] + b[i] + b[i + 2 :]
        pairs.append((a, b))
    pairs += [("2100012345", "2100012345x"), ("ab12", "ba12"), ("", "1")]
    con = duckdb.connect()
    con.execute("CREATE TABLE p (a VARCHAR, b VARCHAR)")
    con.executemany("INSERT INTO p VALUES (?, ?)", pairs)
    left = lambda c: {"v_nummer": "a", "v_cijfers": "ha"}[c]  # noqa: E731
    right = lambda c: {"v_nummer": "b", "v_cijfers": "hb"}[c]  # noqa: E731
    for k in (1, 2):
        mismatches = con.execute(
            f"""SELECT count(*) FROM (SELECT a, b, {_digit_counts_sql('a')} AS ha, {_digit_counts_sql('b')} AS hb FROM p)
                WHERE ({_damerau_levenshtein_at_most(k)(left, right)}) IS DISTINCT FROM (damerau_levenshtein(a, b) <= {k})"""
        ).fetchall()[0][0]
        assert mismatches == 0


@pytest.mark.parametrize(
    ("client", "national", "expected"),
    [
        ("2100012345", "2100012345", "gelijk"),
        ("2100012346", "2100012345", "1 cijfer anders"),
        ("2100021345", "2100012345", "2 cijfers verwisseld"),
        ("2100012399", "2100012345", "2 cijfers anders"),
        ("21000123456", "2100012345", "1 cijfer te veel"),
        ("210001234", "2100012345", "1 cijfer te weinig"),
        ("9999999999", "2100012345", "anders"),
    ],
)
def test_v_nummer_evidence(client, national, expected):
    assert _v_nummer_difference(client, national) == expected


@pytest.mark.parametrize(
    ("client", "national", "expected"),
    [
        (date(1990, 1, 1), date(1990, 1, 1), "gelijk (1 januari)"),
        (date(1990, 3, 7), date(1990, 3, 7), "gelijk"),
        (date(1990, 7, 3), date(1990, 3, 7), "dag en maand verwisseld"),
        (date(1990, 3, 8), date(1990, 3, 7), "dag anders"),
        (date(1990, 4, 7), date(1990, 3, 7), "maand anders"),
        (date(1991, 3, 7), date(1990, 3, 7), "jaar anders"),
        (date(1990, 4, 1), date(1990, 3, 31), "1 dagen verschil"),
        (date(1980, 4, 1), date(1990, 3, 31), "anders"),
    ],
)
def test_geboortedatum_evidence(client, national, expected):
    assert _date_difference(client, national) == expected


def _scale_connection(persons: int, clients: int) -> duckdb.DuckDBPyConnection:
    """`persons` national persons (consecutively issued v_nummers: the hard case for blocking)
    and `clients` of them as municipal clients with a mistyped v_nummer and birth date."""
    con = duckdb.connect(":memory:")
    con.execute(f"""
        CREATE TABLE national AS
        WITH base AS (
            SELECT i, CAST(2000000000 + 2 * i + hash(i, 'v') % 2 AS VARCHAR) AS v_nummer,
                (hash(i, 'n') % 1000) / 1000.0 AS u, hash(i, 'g') % 100 AS g, (hash(i, 'j') % 1000) / 1000.0 AS j,
                CAST(1960 + hash(i, 'y') % 45 AS BIGINT) AS y, CAST(hash(i, 'd') % 365 AS INTEGER) AS doy
            FROM range({persons}) AS t(i)
        )
        SELECT '{K1}' AS kennisstand, v_nummer,
            CASE WHEN j < 0.15 THEN make_date(y, 1, 1) ELSE make_date(y, 1, 1) + doy END AS geboortedatum,
            CASE WHEN g < 70 THEN 'M' WHEN g < 99 THEN 'V' ELSE 'X' END AS geslacht,
            CASE WHEN u < 0.15 THEN 'ERI' WHEN u < 0.25 THEN 'IRN' WHEN u < 0.33 THEN 'NGA' WHEN u < 0.40 THEN 'GIN'
                 WHEN u < 0.45 THEN 'AFG' WHEN u < 0.50 THEN 'IRQ' WHEN u < 0.55 THEN 'SOM' WHEN u < 0.60 THEN 'MAR'
                 WHEN u < 0.65 THEN 'DZA' WHEN u < 0.68 THEN 'XXX' WHEN u < 0.75 THEN 'SYR' ELSE 'GEO' END
                AS nationaliteit
        FROM base
    """)
    con.execute(f"""
        CREATE TABLE clients AS
        WITH pick AS (SELECT *, row_number() OVER (ORDER BY hash(v_nummer, 'pick')) AS rn FROM national)
        SELECT kennisstand, 'utrecht' AS bron, 'C' || rn AS client_id, v_nummer AS echte_v_nummer,
            CASE hash(v_nummer, 'e') % 4
                WHEN 0 THEN substr(v_nummer, 1, 3) || CAST((CAST(substr(v_nummer, 4, 1) AS INTEGER) + 1) % 10 AS VARCHAR)
                    || substr(v_nummer, 5)
                WHEN 1 THEN substr(v_nummer, 1, 6) || substr(v_nummer, 8, 1) || substr(v_nummer, 7, 1) || substr(v_nummer, 9)
                WHEN 2 THEN NULL
                ELSE substr(v_nummer, 1, 9) || CAST((CAST(substr(v_nummer, 10, 1) AS INTEGER) + 3) % 10 AS VARCHAR)
            END AS v_nummer,
            CASE WHEN hash(v_nummer, 'f') % 3 = 0 AND day(geboortedatum) <= 12
                 THEN make_date(year(geboortedatum), day(geboortedatum), month(geboortedatum))
                 WHEN hash(v_nummer, 'f') % 3 = 1 THEN geboortedatum + 1
                 ELSE geboortedatum END AS geboortedatum,
            geslacht, nationaliteit
        FROM pick WHERE rn <= {clients}
    """)
    return con


def test_timing_2000_clients_against_400000_persons(capsys):
    con = _scale_connection(400_000, 2_000)
    import splink  # noqa: F401  (import time is not the linker's run time)

    started = time.perf_counter()
    matches = probabilistic_matches(con, "clients", "national")
    seconds = time.perf_counter() - started
    truth = dict(con.execute("SELECT client_id, echte_v_nummer FROM clients").fetchall())
    linked = [m for m in matches if m.accepted]
    with capsys.disabled():
        print(
            f"\nprobabilistic_matches: 2,000 clients x 400,000 national persons (1 kennisstand): {seconds:.1f} s,"
            f" {len(matches)} with a candidate, {len(linked)} accepted"
        )
    assert len(matches) == 2_000
    assert all(truth[m.client_id] == m.v_nummer for m in linked)  # no wrong link


def test_parameters_out_are_what_measuring_the_reference_kennisstand_alone_gives(scenario):
    """The review pages reuse the step's parameters when their reference is the kennisstand they
    score (issue 12): measured on only that kennisstand's persons they are the same."""
    from pipelines.linkage.probabilistic import _measure_parameters

    con = scenario[0]
    out: list = []
    probabilistic_matches(con, "clients", "national", parameters_out=out)
    assert len(out) == 1 and out[0].reference_kennisstand == K1  # K1 holds the most persons
    con.execute(f"CREATE OR REPLACE TEMP VIEW only_k1 AS SELECT * FROM national WHERE kennisstand = '{K1}'")
    assert out[0] == _measure_parameters(con, "only_k1", [K1])

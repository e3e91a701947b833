"""The demo generator: deterministic files in the contract's formats, and a population that
gives exactly the letter's figures by the rules of MONITOR.md.

The figures are computed from the in-memory model (`build_population`) by the reference
implementation of MONITOR.md in `pipelines.demo.reference`, not by reading the files back; the
files are read back separately (row counts, formats). Scale 1 only, except one scale-2 check.

Long (~450 lines) on purpose: every test reads the one population and the one set of files that
the module fixtures build; split, each module would generate them again.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipelines.demo import DEFAULT_SEED, build_population, monitor_table, target_row, write_demo_feeds
from pipelines.demo import calibration as cal
from pipelines.demo.reference import daily_presence, evaluate, link_stays, outflow_category, scope_reasons
from pipelines.demo.snapshots import BESTANDEN, COLUMNS, FILE_KEYS, snapshot

P = cal.PEILDATUM
SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"

# What the brief asks of each source's CSV files: encoding, delimiter, how a date is spelled.
CSV_FORMATS = {
    "amsterdam": ("utf-8-sig", ";", r"\d\d-\d\d-\d{4}"),
    "rotterdam": ("utf-8", ",", r"\d{4}-\d\d-\d\d"),
    "utrecht": ("cp1252", ";", r"\d{1,2}-\d{1,2}-\d{4}"),
    "groningen": ("utf-8", ",", r"\d{4}-\d\d-\d\d"),
    "eindhoven": ("utf-8", ";", r"\d\d/\d\d/\d{4}"),
    "ind": ("utf-8", ",", r"\d{4}-\d\d-\d\d"),
    "dtv": ("utf-8", ";", r"\d{4}-\d\d-\d\d"),
}
XLSX_FILES = {("rotterdam", "verblijven"), ("ind", "maatregelen")}


@pytest.fixture(scope="module")
def population():
    return build_population(DEFAULT_SEED, 1)


@pytest.fixture(scope="module")
def outcomes(population):
    return evaluate(population, P)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    landing = tmp_path_factory.mktemp("demo") / "landing"
    messages: list[str] = []
    summary = write_demo_feeds(landing, progress=messages.append)
    return landing, summary, messages


def _files(landing: Path) -> dict[str, bytes]:
    return {p.relative_to(landing).as_posix(): p.read_bytes() for p in sorted(landing.rglob("*")) if p.is_file()}


def _read_csv(path: Path, encoding: str, delimiter: str) -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def _read_xlsx(path: Path) -> list[tuple]:
    workbook = load_workbook(path, read_only=True)
    try:
        return list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


# -- determinism and the set of files ------------------------------------------------------------

def test_same_seed_gives_byte_identical_files(written, tmp_path):
    landing, summary, _ = written
    again = write_demo_feeds(tmp_path / "again")
    assert _files(landing) == _files(tmp_path / "again")
    assert {k: v for k, v in again.items() if k != "landing"} == {k: v for k, v in summary.items() if k != "landing"}


def test_another_seed_gives_other_files_and_the_same_figures(written, tmp_path):
    landing, _, _ = written
    write_demo_feeds(tmp_path / "other", seed=DEFAULT_SEED + 1)
    mine, other = _files(landing), _files(tmp_path / "other")
    assert mine.keys() == other.keys()
    assert mine["amsterdam/amsterdam_verblijven_20201101.csv"] != other["amsterdam/amsterdam_verblijven_20201101.csv"]
    assert mine["rotterdam/rotterdam_verblijven_20201101.xlsx"] != other["rotterdam/rotterdam_verblijven_20201101.xlsx"]
    table = monitor_table(build_population(DEFAULT_SEED + 1), P)
    assert all(table[figure] == target_row(figure) for figure in cal.FIGURES)


def test_the_landing_folder_holds_every_delivery_and_the_planted_extras(written):
    landing, summary, messages = written
    deliveries = {f"{bron}/{bron}_{bestand}_{d:%Y%m%d}.{'xlsx' if (bron, bestand) in XLSX_FILES else 'csv'}"
                  for bron, bestand in FILE_KEYS for d in cal.PEILDATA}
    extras = {"LEESMIJ.txt", "rotterdam/~$rotterdam_verblijven_20201101.xlsx", "rotterdam/.DS_Store"}
    rejected = {"eindhoven/eindhoven_trajecten_20200231.csv"}
    assert len(deliveries) == 7 * 13
    assert set(_files(landing)) == deliveries | extras | rejected  # no temporary files left behind
    assert sorted(p.name for p in landing.iterdir() if p.is_dir()) == sorted(cal.BRONNEN)
    assert set(summary["rows"]) == deliveries and summary["deliveries"] == 91 and summary["files"] == 95
    assert set(summary["skipped"]) == extras
    assert [r["file"] for r in summary["rejected"]] == sorted(rejected)
    assert all(n > 0 for n in summary["rows"].values())  # a full snapshot is never empty
    assert summary["persons"] == 1410 and summary["stays"] == 1411
    assert summary["national_only_persons"] == pytest.approx(2 * summary["persons"], rel=0.01)
    assert any("rotterdam_verblijven_20201101.xlsx" in m for m in messages)


# -- the figures ---------------------------------------------------------------------------------

@pytest.mark.parametrize("figure", cal.FIGURES)
def test_the_monitor_at_the_peildatum_gives_the_letters_figures(population, figure):
    assert monitor_table(population, P)[figure] == target_row(figure)


def test_the_letters_derived_figures(population):
    table = {f: row["totaal"] for f, row in monitor_table(population, P).items()}
    assert table["bestendig_verblijf"] + table["terugkeer"] + table["doormigratie"] == 107
    assert [sum(x) for x in zip(cal.TARGET["terugkeer"], cal.TARGET["doormigratie"])] == [2, 30, 6, 23, 0]
    assert table["onbevestigd"] + table["overig"] == 57
    assert table["scenario_vertrek"] + table["scenario_verblijf"] == 471


def test_every_stay_comes_out_as_the_generator_meant(outcomes):
    for o in outcomes:
        s = o.stay
        assert set(o.scope_reasons) == set(s.scope_reasons), s.verblijf_id
        if o.scope_reasons:
            continue
        if o.ended:
            assert o.category == s.category, (s.verblijf_id, s.variant)
        else:
            assert o.scenario == s.scenario, s.verblijf_id


def test_a_scale_2_population_doubles_every_figure(population):
    double = build_population(DEFAULT_SEED, 2)
    table = monitor_table(double, P)
    for figure in cal.FIGURES:
        expected = target_row(figure) if figure == "capaciteit" else {k: 2 * v for k, v in target_row(figure).items()}
        assert table[figure] == expected, figure
    first = [s for s in double.stays if s.replica == 0]
    assert [(s.verblijf_id, s.v_nummer, s.instroomdatum) for s in first] == \
        [(s.verblijf_id, s.v_nummer, s.instroomdatum) for s in population.stays]
    v_nummers = [p.v_nummer for p in double.persons]
    assert len(v_nummers) == len(set(v_nummers))
    assert len({(s.bron, s.client_id) for s in double.stays}) == len(double.stays)


# -- the rules the figures rest on ---------------------------------------------------------------

def test_no_pilot_is_ever_above_capacity(population):
    for pilot in cal.PILOTS:
        presence = daily_presence(population, pilot)
        assert max(presence.values()) <= cal.CAPACITEIT[pilot], pilot
        assert len(presence) == (cal.LAST_DAY - cal.PROGRAMME_START).days + 1


def test_in_scope_persons_have_one_stay_started_from_the_programme_start(population, outcomes):
    in_scope = [o for o in outcomes if not o.scope_reasons]
    assert len({o.person_key for o in in_scope}) == len(in_scope)
    assert min(s.instroomdatum for s in population.stays) == cal.PROGRAMME_START
    after = [s for s in population.stays if s.instroomdatum > P]
    assert 35 <= sum(1 for s in after if s.in_scope) <= 45
    assert all(s.instroomdatum <= cal.LAST_DAY for s in after)
    assert all(date(2019, 4, 1) <= s.instroomdatum <= date(2019, 6, 30) for s in population.stays if s.herkomst == "BBB")
    herkomst = Counter(s.herkomst for s in population.stays)
    assert herkomst["BBB"] > 400 and herkomst["OVERIG"] > 0


def test_trajecten_events_lie_inside_their_stay(population):
    for s in population.stays:
        for e in s.events:
            assert s.instroomdatum <= e.datum <= (s.uitstroomdatum or cal.LAST_DAY), s.verblijf_id
        days = [e.datum for e in s.events if e.gebeurtenis.startswith("SCENARIO_")]
        assert len(days) == len(set(days)), s.verblijf_id  # "the latest" is never a tie


def test_scenarios_change_and_some_start_after_the_peildatum(outcomes):
    present = [o for o in outcomes if not o.ended and not o.scope_reasons]
    changed = [o for o in present if len({e.gebeurtenis for e in o.stay.events
                                          if e.gebeurtenis.startswith("SCENARIO_") and e.datum <= P}) == 2]
    late = [o for o in present if o.scenario == "geen" and any(e.gebeurtenis.startswith("SCENARIO_") for e in o.stay.events)]
    assert len(changed) >= 20 and len(late) >= 10
    referred = [o for o in outcomes if any(e.gebeurtenis == "MRT_AANGEMELD" and e.datum <= P for e in o.stay.events)]
    assert sum(1 for o in referred if not o.scope_reasons and not o.mrt_advies) >= 2
    assert any(o.mrt_advies for o in outcomes if o.scope_reasons)  # discussed, but not counted


def test_out_of_scope_stays(population, outcomes):
    out = [o for o in outcomes if o.scope_reasons]
    reasons = Counter(r for o in out for r in o.scope_reasons)
    assert set(reasons) == {"GEZIN", "EU_BURGER", "INREISVERBOD_ZWAAR", "ONGEWENSTVERKLARING", "DUBLINCLAIM",
                            "RIJKSOPVANG", "GEEN_REGIOBINDING"}
    gezin = [o for o in out if "GEZIN" in o.scope_reasons]
    assert {o.stay.bron for o in gezin} == {"utrecht"} and 20 <= len(gezin) <= 26
    assert 0 < sum(o.ended for o in gezin) < len(gezin) / 2
    from_national_records = {"INREISVERBOD_ZWAAR", "ONGEWENSTVERKLARING", "DUBLINCLAIM", "RIJKSOPVANG"}
    national = [o for o in out if from_national_records & set(o.scope_reasons)]
    assert all(o.link_step == 1 and o.stay.v_nummer == o.stay.person for o in national)
    # one person (same v_nummer) in two pilots; the second stay starts after the peildatum
    by_person = Counter(s.person for s in population.stays)
    twice = [s for s in population.stays if by_person[s.person] == 2]
    assert len({s.bron for s in twice}) == 2 and len({s.v_nummer for s in twice}) == 1
    assert not any(s.in_scope for s in twice) and max(s.instroomdatum for s in twice) > P
    later = monitor_table(population, cal.LAST_PEILDATUM)["buiten_doelgroep"]
    assert later["totaal"] == sum(later[p] for p in cal.PILOTS) - 1  # counted once nationally


def test_target_group_boundaries_keep_these_persons_in_scope(outcomes):
    edges = {o.stay.variant: o for o in outcomes if o.stay.variant in
             {"maatregel_verlopen", "maatregel_eindigt_op_instroom", "maatregel_na_instroom", "asiel_beslist_op_instroom"}}
    assert set(edges) == {"maatregel_verlopen", "maatregel_eindigt_op_instroom", "maatregel_na_instroom",
                          "asiel_beslist_op_instroom"}
    assert all(not o.scope_reasons for o in edges.values())


def test_reconciliation_cases_are_present(population, outcomes):
    persons = population.person_index()
    by_variant: dict[str, list] = {}
    for o in outcomes:
        by_variant.setdefault(o.stay.variant, []).append(o)

    def departures(o):
        return [z for z in persons[o.stay.person].vertrekzaken if z.vertrekdatum and z.vertrekdatum >= o.stay.instroomdatum]

    for o in by_variant["tk_u30"]:
        assert o.category == "terugkeer" and o.departure.vertrekdatum == o.stay.uitstroomdatum + timedelta(days=30)
    for o in by_variant["tk_u31"]:
        assert o.category == "onbevestigd" and departures(o)[0].vertrekdatum == o.stay.uitstroomdatum + timedelta(days=31)
    cases = (("dm_tk", "TERUGKEER", "doormigratie"), ("mob_tk_zna", "TERUGKEER", "mob"),
             ("tk_gemeente_mob", "MOB", "terugkeer"), ("vv_laat", "VERBLIJFSVERGUNNING", "onbevestigd"),
             ("tk_geen", "TERUGKEER", "onbevestigd"), ("tk_na_peildatum", "TERUGKEER", "onbevestigd"))
    for variant, reason, category in cases:
        assert by_variant[variant] and all(o.stay.uitstroomreden == reason and o.category == category
                                           for o in by_variant[variant]), variant
    assert sum(1 for o in outcomes if o.category == "mob" and o.departure is None) > 50
    # deviations of linked stays (an unlinked one has no national records to show)
    deviations = Counter(o.category for o in outcomes if o.deviation and o.linked and not o.scope_reasons)
    assert deviations == {"asielaanvraag_azc": 6, "uitstel_art64": 3}
    # a departure after the peildatum confirms the stay in the last delivery's monitor
    late = by_variant["tk_na_peildatum"][0].stay
    p = persons[late.person]
    assert outflow_category(late, p, cal.LAST_PEILDATUM)[0] == "terugkeer"


def test_return_countries_and_departure_history(population, outcomes):
    lands = Counter(o.departure.land for o in outcomes if o.category == "terugkeer").most_common()
    assert lands[:3] == [("ARM", 7), ("CHN", 5), ("NGA", 4)] and lands[3][1] <= 3
    assert all(o.departure.land != o.stay.nationaliteit for o in outcomes if o.category == "doormigratie")
    lvv = [p for p in population.persons if p.lvv]
    first_stay = {}
    for s in population.stays:
        first_stay[s.person] = min(first_stay.get(s.person, s.instroomdatum), s.instroomdatum)
    earlier = sum(1 for p in lvv if any(z.startdatum < first_stay[p.v_nummer] for z in p.vertrekzaken))
    more_than_five = sum(1 for p in lvv if len(p.vertrekzaken) > 5)
    assert earlier > len(lvv) / 2
    assert 0.10 < more_than_five / len(lvv) < 0.16


def test_demographics(outcomes):
    in_scope = [o.stay for o in outcomes if not o.scope_reasons]
    assert 0.70 < sum(s.geslacht == "M" for s in in_scope) / len(in_scope) < 0.80
    ages = [(s.instroomdatum - s.geboortedatum).days / 365.25 for s in in_scope]
    assert 38 < sum(ages) / len(ages) < 42 and min(ages) >= 18
    present = Counter(o.stay.nationaliteit for o in outcomes if not o.ended and not o.scope_reasons)
    assert [nat for nat, _ in present.most_common(4)] == ["ERI", "IRN", "NGA", "GIN"]
    assert len(present) > 30
    rotterdam = [s for s in in_scope if s.bron == "rotterdam"]
    safe = [s for s in rotterdam if s.nationaliteit in cal.SAFE_COUNTRIES]
    assert 0.15 < len(safe) / len(rotterdam) < 0.30
    assert sum(1 for s in safe if ((s.uitstroomdatum or P) - s.instroomdatum).days > 92) >= 3
    assert sum(1 for s in in_scope if s.bron == "eindhoven" and s.nationaliteit in cal.SAFE_COUNTRIES) >= 3
    assert not any(s.nationaliteit in cal.EU_2020 for s in in_scope)


def test_country_codes_are_in_the_reference_data(population):
    with open(SEEDS_DIR / "countries.csv", encoding="utf-8", newline="") as handle:
        countries = {row["iso3"]: row for row in csv.DictReader(handle)}
    used = {p.nationaliteit for p in population.persons} | {s.nationaliteit for s in population.stays}
    used |= {z.land for p in population.persons for z in p.vertrekzaken if z.land}
    assert used <= set(countries)
    assert {c for c, row in countries.items() if row["eu_lid_2020"] == "true"} == set(cal.EU_2020)


# -- linkage ---------------------------------------------------------------------------------------

def test_linkage_situations(population, outcomes):
    links = link_stays(population)
    persons = population.person_index()
    steps = Counter((s.linkage, links[f"{s.bron}/{s.verblijf_id}"][1]) for s in population.stays)
    n = len(population.stays)
    assert steps[("leeg", 2)] == round(cal.LINK_EMPTY_SHARE * n) and steps[("typo", 2)] == round(cal.LINK_TYPO_SHARE * n)
    assert steps[("typo_ander", 2)] == 2 and steps[("demografie_afwijkend", 1)] == 8 and steps[("ambigu", None)] == 6
    assert steps[("splink", 3)] == cal.LINK_SPLINK
    assert set(steps) == {("exact", 1), ("leeg", 2), ("typo", 2), ("typo_ander", 2), ("demografie_afwijkend", 1),
                          ("splink", 3), ("ambigu", None)}
    for s in population.stays:
        linked, _ = links[f"{s.bron}/{s.verblijf_id}"]
        assert linked in (None, s.person), s.verblijf_id  # never the wrong person
        if s.linkage == "typo":
            assert s.v_nummer not in persons and len(s.v_nummer) == 10 and s.v_nummer[0] != "0"
            assert sum(a != b for a, b in zip(s.v_nummer, s.person)) in (1, 2)
        if s.linkage == "splink":  # only the probabilistic step can find these
            true = persons[s.person]
            assert s.v_nummer not in persons and (s.geboortedatum.month, s.geboortedatum.day) == (
                true.geboortedatum.day, true.geboortedatum.month) and s.geboortedatum != true.geboortedatum
        if s.linkage == "typo_ander":
            other = persons[s.v_nummer]
            assert not other.lvv and sum(a == b for a, b in zip(other.demographics, persons[s.person].demographics)) <= 1
    # the review list: only persons whose counted figures do not depend on national records
    for o in outcomes:
        if o.linked is None:
            true_person = persons[o.stay.person]
            assert not scope_reasons(o.stay, true_person) and not o.scope_reasons
            if o.ended:
                assert outflow_category(o.stay, true_person, P)[0] == o.category
    assert sum(1 for o in outcomes if o.linked is None) == 6


def test_national_persons(population):
    v_nummers = [p.v_nummer for p in population.persons]
    assert len(v_nummers) == len(set(v_nummers))
    assert all(re.fullmatch(r"[1-9]\d{9}", v) for v in v_nummers)
    assert all(p.procedures or p.vertrekzaken for p in population.persons)  # everyone appears in a file
    assert all(min([x.aanvraagdatum for x in p.procedures] + [z.startdatum for z in p.vertrekzaken]) <= P
               for p in population.persons)  # known at the peildatum
    for p in population.persons:
        for x in p.procedures:
            assert (x.beslissing is None) == (x.beslisdatum is None)
            assert x.beslisdatum is None or x.beslisdatum >= x.aanvraagdatum
        for z in p.vertrekzaken:
            assert (z.vertrekdatum is None) == (z.vertrekwijze is None)
            assert (z.bestemming is not None) == (z.vertrekwijze in ("ZELFSTANDIG_AANTOONBAAR", "GEDWONGEN"))


# -- deliveries over time -------------------------------------------------------------------------

def test_corrections_only_touch_the_early_deliveries(population):
    assert 5 <= len(population.corrections) <= 8
    assert all(set(c.peildata) <= set(cal.CORRECTABLE_PEILDATA) for c in population.corrections)
    wrong = snapshot(population, "rotterdam", "verblijven", date(2020, 1, 1))
    right = snapshot(population, "rotterdam", "verblijven", date(2020, 7, 1))
    fixed = next(c for c in population.corrections if c.values == (("uitstroomreden", "MOB"),))
    assert [r[11] for r in wrong if r[1] == fixed.key] == ["MOB"]
    assert [r[11] for r in right if r[1] == fixed.key] == ["TERUGKEER"]


def test_nothing_dated_up_to_the_peildatum_differs_in_the_last_delivery(population):
    """So the monitor at 2020-11-01 'as reported' equals the newest."""
    masks = {"verblijven": (7, 10, (10, 11)), "procedures": (6, 8, (7, 8)), "maatregelen": (2, 3, (3,)),
             "vertrekzaken": (5, 6, (6, 7, 8, 9)), "trajecten": (2, None, ())}
    for bron, bestand in FILE_KEYS:
        start, done, cleared = masks[bestand]
        expected = []
        for row in snapshot(population, bron, bestand, cal.LAST_PEILDATUM):
            if row[start] > P:
                continue
            if done is not None and row[done] is not None and row[done] > P:
                row = tuple(None if i in cleared else v for i, v in enumerate(row))
            expected.append(row)
        assert snapshot(population, bron, bestand, P) == expected, (bron, bestand)


# -- the files as delivered -----------------------------------------------------------------------

def test_reading_back_the_peildatum_files_gives_the_expected_rows(population, written):
    landing, summary, _ = written
    invalid = Counter((r.bron, r.bestand) for r in population.invalid_rows if r.peildatum == P)
    for bron, bestand in FILE_KEYS:
        expected = len(snapshot(population, bron, bestand, P)) + invalid[(bron, bestand)]
        if (bron, bestand) in XLSX_FILES:
            path = landing / bron / f"{bron}_{bestand}_20201101.xlsx"
            rows = _read_xlsx(path)
        else:
            path = landing / bron / f"{bron}_{bestand}_20201101.csv"
            encoding, delimiter, _ = CSV_FORMATS[bron]
            rows = _read_csv(path, encoding, delimiter)
        assert len(rows) - 1 == expected == summary["rows"][f"{bron}/{path.name}"], path.name
        header = [str(h).strip().lower() for h in rows[0]]
        assert set(header) >= set(COLUMNS[bestand]), path.name
        assert all(len(r) == len(rows[0]) for r in rows), path.name


def test_each_source_spells_its_files_its_own_way(written):
    landing, _, _ = written
    for bron, (encoding, delimiter, date_pattern) in CSV_FORMATS.items():
        for bestand in BESTANDEN[bron]:
            if (bron, bestand) in XLSX_FILES:
                continue
            raw = (landing / bron / f"{bron}_{bestand}_20201101.csv").read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf") == (bron == "amsterdam"), bron
            rows = _read_csv(landing / bron / f"{bron}_{bestand}_20201101.csv", encoding, delimiter)
            dates = [v for v in rows[1] if re.fullmatch(r"[\d/-]{8,10}", v) and not v.isdigit()]
            assert dates and all(re.fullmatch(date_pattern, v) for v in dates), (bron, bestand, dates)
    amsterdam = (landing / "amsterdam" / "amsterdam_verblijven_20201101.csv").read_bytes().decode("utf-8-sig")
    assert amsterdam.startswith('" CLIENT_ID ";') and '"ja"' in amsterdam and "\r\n" in amsterdam
    utrecht = (landing / "utrecht" / "utrecht_verblijven_20201101.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        utrecht.decode("utf-8")
    text = utrecht.decode("cp1252")
    assert text.splitlines()[0].endswith(";opmerking") and "€" in text and ("ë" in text or "é" in text)
    utrecht_rows = _read_csv(landing / "utrecht" / "utrecht_verblijven_20201101.csv", "cp1252", ";")
    assert {r[9] for r in utrecht_rows[1:]} == {"J", "N"}
    groningen = _read_csv(landing / "groningen" / "groningen_verblijven_20201101.csv", "utf-8", ",")
    assert groningen[0][:2] == ["verblijf_id", "client_id"]
    assert {r[4] for r in groningen[1:]} <= {"m", "v", "x"} and {r[6] for r in groningen[1:]} == {"alleenstaand"}
    assert {r[9] for r in groningen[1:]} == {"true", "false"}
    eindhoven = _read_csv(landing / "eindhoven" / "eindhoven_verblijven_20201101.csv", "utf-8", ";")
    assert "V_Nummer" in eindhoven[0] and {r[9] for r in eindhoven[1:]} <= {"1", "0"}
    for bron, bestand in XLSX_FILES:
        workbook = load_workbook(landing / bron / f"{bron}_{bestand}_20201101.xlsx")
        sheet = workbook.worksheets[0]
        assert sheet.cell(2, 1).data_type == "s" and re.fullmatch(r"\d{10}|R\d+", sheet.cell(2, 1).value)
        date_cell = sheet.cell(2, 4 if bron == "rotterdam" else 3)
        assert date_cell.is_date and isinstance(date_cell.value, datetime)
        assert workbook.properties.created == workbook.properties.modified == datetime(2021, 2, 1, 6, 0)


def test_invalid_rows_are_extra_records_found_where_the_summary_says(population, written):
    landing, summary, _ = written
    assert 5 <= len(summary["invalid_rows"]) <= 10
    assert len({r["file"] for r in summary["invalid_rows"]}) >= 5
    known = {s.client_id for s in population.stays} | {s.verblijf_id for s in population.stays}
    known |= {p.v_nummer for p in population.persons}
    known |= {x.procedure_id for p in population.persons for x in p.procedures}
    known |= {z.zaak_id for p in population.persons for z in p.vertrekzaken}
    identifiers = {"verblijven": (0, 1), "trajecten": (0, 1), "procedures": (0, 4), "vertrekzaken": (0, 4)}
    for bad, where in zip(population.invalid_rows, summary["invalid_rows"], strict=True):
        assert where["file"].startswith(f"{bad.bron}/{bad.bron}_{bad.bestand}_{bad.peildatum:%Y%m%d}")
        encoding, delimiter, _ = CSV_FORMATS[bad.bron]
        row = _read_csv(landing / where["file"], encoding, delimiter)[where["row_number"] - 1]
        ids = {bad.values[i] for i in identifiers[bad.bestand]}
        assert not ids & known and ids <= set(row), where  # identifiers that exist nowhere else
        for _, raw in bad.raw:
            assert raw in row, where


def test_the_rejected_file_is_wellformed_apart_from_its_peildatum(written):
    landing, _, _ = written
    rows = _read_csv(landing / "eindhoven" / "eindhoven_trajecten_20200231.csv", "utf-8", ";")
    assert rows[0] == ["Client_Id", "Verblijf_ID", "Datum", "GebeurTenis"] and len(rows) > 1
    assert max(datetime.strptime(r[2], "%d/%m/%Y").date() for r in rows[1:]) <= date(2020, 2, 29)

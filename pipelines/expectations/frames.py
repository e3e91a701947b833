"""The data the expectations are evaluated on: one query per frame on the pipeline database.

A frame is the rows of the asset a check judges (a stay, a day of occupancy, a delivery, ...)
with the columns the expectations compare. Frames hold pseudonymized keys and dates, never an
identifier (v_nummer, client_id, verblijf_id, birth date): what GX reports about them ends up
in the Data Docs. `sleutels` are the columns that name a failing row in the results.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Frame:
    naam: str
    sql: str
    sleutels: tuple[str, ...]
    omschrijving: str


_FRAMES = [
    Frame(
        "instroom_redenen",
        """
        SELECT bron, verblijf_key, persoon_key, instroomdatum,
               unnest(CASE WHEN len(coalesce(buiten_doelgroep_redenen, [])) = 0 THEN ['binnen_doelgroep']
                           ELSE buiten_doelgroep_redenen END) AS buiten_doelgroep_reden
        FROM marts.fct_instroom
        """,
        ("bron", "verblijf_key", "persoon_key"),
        "Elk verblijf (marts.fct_instroom), één rij per reden buiten de doelgroep ('binnen_doelgroep' als er geen is).",
    ),
    Frame(
        "verblijven",
        """
        SELECT bron, verblijf_key, persoon_key, instroomdatum, uitstroomdatum, einde_aanwezigheid,
               veilig_land, veilig_land_grens, tegelijk_in_pilot, overlapt_eigen_verblijf, asiel_dagen
        FROM intermediate.int_afwijkingen__verblijven
        """,
        ("bron", "verblijf_key", "persoon_key"),
        "Elk verblijf met de feiten die het convenant en de datakwaliteit beoordelen (intermediate.int_afwijkingen__verblijven).",
    ),
    Frame(
        "bezetting",
        "SELECT bron, datum, aanwezig, capaciteit FROM marts.fct_bezetting",
        ("bron", "datum"),
        "De bezetting per pilot per dag tegen de afgesproken capaciteit (marts.fct_bezetting).",
    ),
    Frame(
        "uitstroom",
        """
        SELECT bron, verblijf_key, persoon_key, instroomdatum, uitstroomdatum, uitstroomcategorie
        FROM marts.fct_uitstroom
        """,
        ("bron", "verblijf_key", "persoon_key"),
        "Elk beëindigd verblijf met de gereconcilieerde uitstroomcategorie (marts.fct_uitstroom).",
    ),
    Frame(
        "trajecten",
        """
        SELECT e.bron, e.verblijf_key, e.persoon_key, e.datum, e.gebeurtenis, s.instroomdatum, s.uitstroomdatum
        FROM marts.fct_scenario AS e
        JOIN intermediate.int_afwijkingen__verblijven AS s USING (verblijf_key)
        """,
        ("bron", "verblijf_key", "persoon_key"),
        "Elke gebeurtenis in een traject (marts.fct_scenario) met de datums van haar verblijf.",
    ),
    Frame(
        "conflicten",
        "SELECT bron, verblijf_key, persoon_key, soort_conflict FROM intermediate.int_uitstroom__conflicten",
        ("bron", "verblijf_key", "persoon_key"),
        "Elk verblijf waarvan de melding van de gemeente en de landelijke registraties verschillen.",
    ),
    Frame(
        "koppelingen",
        """
        SELECT bron, persoon_key,
               CASE WHEN op_reviewlijst THEN coalesce(review_reden, 'onbekende reden') END AS reden_niet_gekoppeld,
               v_nummer_wijst_naar_ander
        FROM linkage.person_links
        WHERE kennisstand = 'nieuwste'
        """,
        ("bron", "persoon_key"),
        "Elke gemeentelijke persoon (bron, client) met de uitkomst van de koppeling in de nieuwste stand.",
    ),
    Frame(
        "leveringen_actueel",
        """
        SELECT bron, bestand, file_name, peildatum, dagen_achter, rijen_verhouding, quarantaine_aandeel,
               gebeurtenissen_zonder_verblijf
        FROM intermediate.int_afwijkingen__leveringen
        WHERE is_actueel
        """,
        ("bron", "bestand", "file_name"),
        "Per bron en bestand de levering waarop de nieuwste cijfers rusten (of een lege rij als er nooit een kwam).",
    ),
    Frame(
        "leveringen_eerder",
        """
        SELECT bron, bestand, file_name, peildatum, status, rijen_verhouding, quarantaine_aandeel,
               coalesce(vervangt_delivery_id IS NOT NULL AND is_eerdere_peildatum, false) AS is_correctie_eerdere_levering
        FROM intermediate.int_afwijkingen__leveringen
        WHERE NOT is_actueel AND (in_gebruik OR (status = 'rejected' AND NOT later_geleverd))
        """,
        ("bron", "bestand", "file_name"),
        "Eerdere leveringen die de cijfers ‘zoals gerapporteerd’ nog gebruiken, en geweigerde bestanden die niet "
        "opnieuw zijn geleverd.",
    ),
]

FRAMES: dict[str, Frame] = {frame.naam: frame for frame in _FRAMES}


def read_frame(con, naam: str):
    """The frame as a pandas DataFrame (fetched completely)."""
    return con.execute(FRAMES[naam].sql).df()

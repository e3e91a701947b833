"""The contract's linkage rule (FEEDS.md, last section) in SQL, for every knowledge state at once.

A municipal person is a `(bron, client_id)`. Per knowledge state (`kennisstand`):

1. one of the client's delivered v_nummers exists nationally and at least two of geboortedatum,
   geslacht, nationaliteit agree → linked by `v_nummer`; two different such v_nummers →
   review (`tegenstrijdig bewijs`);
2. otherwise exactly one national person has the same geboortedatum, geslacht and nationaliteit
   → linked by `demografie`; several → review (`meerdere kandidaten`);
3. otherwise no candidate: the probabilistic step may still find one; else review
   (`geen kandidaat`, or `tegenstrijdig bewijs` when the delivered v_nummer exists but belongs
   to someone whose demographics disagree).

Reviewer decisions (`AFGEWEZEN`) remove a pair from every step; `BEVESTIGD` links it outright.
"""

from __future__ import annotations

CLIENTS_SQL = """
CREATE OR REPLACE TEMP TABLE link_clients AS
WITH stays AS (
    SELECT
        kennisstand, gemeente_bron AS bron, client_id, verblijf_id, instroomdatum,
        nullif(regexp_replace(coalesce(v_nummer, ''), '[^0-9]', '', 'g'), '') AS v_nummer,
        geboortedatum, geslacht, nationaliteit
    FROM intermediate.int_verblijven__per_kennisstand
)
SELECT
    kennisstand, bron, client_id,
    -- the demographics of the client's latest stay
    arg_max(geboortedatum, strftime(instroomdatum, '%Y-%m-%d') || verblijf_id) AS geboortedatum,
    arg_max(geslacht, strftime(instroomdatum, '%Y-%m-%d') || verblijf_id) AS geslacht,
    arg_max(nationaliteit, strftime(instroomdatum, '%Y-%m-%d') || verblijf_id) AS nationaliteit,
    list_sort(list_distinct(list(v_nummer) FILTER (WHERE v_nummer IS NOT NULL))) AS v_nummers
FROM stays
GROUP BY kennisstand, bron, client_id
"""

NATIONAL_SQL = """
CREATE OR REPLACE TEMP TABLE link_national AS
WITH records AS (
    SELECT kennisstand, v_nummer, geboortedatum, geslacht, nationaliteit, aanvraagdatum AS datum
    FROM intermediate.int_procedures__per_kennisstand
    UNION ALL
    SELECT kennisstand, v_nummer, geboortedatum, geslacht, nationaliteit, startdatum AS datum
    FROM intermediate.int_vertrekzaken__per_kennisstand
),
combinations AS (
    SELECT kennisstand, v_nummer, geboortedatum, geslacht, nationaliteit,
           count(*) AS n, max(datum) AS laatst
    FROM records
    GROUP BY ALL
),
-- A v_nummer's registered demographics: its most frequent combination, the latest on a tie.
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY kennisstand, v_nummer ORDER BY n DESC, laatst DESC) AS rang
    FROM combinations
),
with_demographics AS (
    SELECT kennisstand, v_nummer, geboortedatum, geslacht, nationaliteit FROM ranked WHERE rang = 1
),
measures_only AS (
    SELECT DISTINCT m.kennisstand, m.v_nummer, NULL::DATE, NULL::VARCHAR, NULL::VARCHAR
    FROM intermediate.int_maatregelen__per_kennisstand m
    ANTI JOIN with_demographics d ON d.kennisstand = m.kennisstand AND d.v_nummer = m.v_nummer
)
SELECT * FROM with_demographics
UNION ALL
SELECT * FROM measures_only
"""

DECISIONS_DDL = """
CREATE OR REPLACE TEMP TABLE link_decisions (
    bron VARCHAR, client_id VARCHAR, v_nummer VARCHAR, beslissing VARCHAR, beoordelaar VARCHAR,
    datum DATE, toelichting VARCHAR
)
"""

DETERMINISTIC_SQL = """
CREATE OR REPLACE TEMP TABLE link_deterministic AS
WITH rejected AS (
    SELECT bron, client_id, v_nummer FROM link_decisions WHERE beslissing = 'AFGEWEZEN'
),
client_v AS (
    SELECT kennisstand, bron, client_id, unnest(v_nummers) AS v_nummer FROM link_clients
),
-- Step 1: a delivered v_nummer that exists nationally, with its agreement count.
step1_pairs AS (
    SELECT
        c.kennisstand, c.bron, c.client_id, n.v_nummer,
        coalesce((c.geboortedatum = n.geboortedatum)::INT, 0)
          + coalesce((c.geslacht = n.geslacht)::INT, 0)
          + coalesce((c.nationaliteit = n.nationaliteit)::INT, 0) AS overeenkomsten,
        list_filter(
            [CASE WHEN c.geboortedatum = n.geboortedatum THEN 'geboortedatum' END,
             CASE WHEN c.geslacht = n.geslacht THEN 'geslacht' END,
             CASE WHEN c.nationaliteit = n.nationaliteit THEN 'nationaliteit' END],
            lambda x: x IS NOT NULL) AS gelijk,
        n.geboortedatum IS NOT NULL OR n.geslacht IS NOT NULL AS heeft_gegevens
    FROM client_v cv
    JOIN link_clients c USING (kennisstand, bron, client_id)
    JOIN link_national n ON n.kennisstand = cv.kennisstand AND n.v_nummer = cv.v_nummer
    ANTI JOIN rejected r ON r.bron = c.bron AND r.client_id = c.client_id AND r.v_nummer = n.v_nummer
),
step1 AS (
    SELECT kennisstand, bron, client_id,
           -- count(*), not count(DISTINCT v_nummer): a client's v_nummers are distinct (list_distinct)
           -- and link_national has one row per (kennisstand, v_nummer), so the pairs are too.
           count(*) FILTER (WHERE overeenkomsten >= 2) AS n_ok,
           min(v_nummer) FILTER (WHERE overeenkomsten >= 2) AS v_nummer,
           any_value(gelijk) FILTER (WHERE overeenkomsten >= 2) AS gelijk,
           -- a national person whose registered demographics disagree (not one known only from a measure)
           count(*) FILTER (WHERE overeenkomsten < 2 AND heeft_gegevens) AS n_wijst_naar_ander
    FROM step1_pairs
    GROUP BY ALL
),
-- Step 2: persons with exactly the same three demographics.
step2_pairs AS (
    SELECT c.kennisstand, c.bron, c.client_id, n.v_nummer
    FROM link_clients c
    JOIN link_national n
      ON n.kennisstand = c.kennisstand AND n.geboortedatum = c.geboortedatum
     AND n.geslacht = c.geslacht AND n.nationaliteit = c.nationaliteit
    ANTI JOIN rejected r ON r.bron = c.bron AND r.client_id = c.client_id AND r.v_nummer = n.v_nummer
),
step2 AS (
    SELECT kennisstand, bron, client_id, count(*) AS n_kandidaten, min(v_nummer) AS v_nummer
    FROM step2_pairs GROUP BY ALL
),
decided AS (
SELECT
    c.kennisstand, c.bron, c.client_id, c.geboortedatum, c.geslacht, c.nationaliteit,
    array_to_string(c.v_nummers, ',') AS v_nummer_geleverd,
    coalesce(s1.n_wijst_naar_ander, 0) > 0 AND coalesce(s1.n_ok, 0) = 0 AS v_nummer_wijst_naar_ander,
    CASE
        WHEN s1.n_ok = 1 THEN s1.v_nummer
        WHEN coalesce(s1.n_ok, 0) = 0 AND s2.n_kandidaten = 1 THEN s2.v_nummer
    END AS v_nummer,
    CASE
        WHEN s1.n_ok = 1 THEN 'v_nummer'
        WHEN coalesce(s1.n_ok, 0) = 0 AND s2.n_kandidaten = 1 THEN 'demografie'
    END AS methode,
    CASE
        WHEN s1.n_ok = 1 THEN 'v_nummer bestaat landelijk; gelijk: ' || array_to_string(s1.gelijk, ', ')
        WHEN s1.n_ok > 1 THEN s1.n_ok || ' geleverde v_nummers passen elk bij een ander persoon'
        WHEN s2.n_kandidaten = 1 THEN 'precies één landelijk persoon met gelijke geboortedatum, geslacht en nationaliteit'
            || CASE WHEN s1.n_wijst_naar_ander > 0 THEN '; het geleverde v_nummer hoort bij iemand anders' ELSE '' END
        WHEN s2.n_kandidaten > 1 THEN s2.n_kandidaten || ' landelijke personen met gelijke geboortedatum, geslacht en nationaliteit'
        WHEN s1.n_wijst_naar_ander > 0 THEN 'het geleverde v_nummer bestaat, maar geboortedatum, geslacht en nationaliteit wijken af'
        ELSE 'geen landelijk persoon met dit v_nummer of deze gegevens'
    END AS bewijs,
    CASE
        WHEN s1.n_ok = 1 THEN NULL
        WHEN s1.n_ok > 1 THEN 'tegenstrijdig bewijs'
        WHEN s2.n_kandidaten = 1 THEN NULL
        WHEN s2.n_kandidaten > 1 THEN 'meerdere kandidaten'
        WHEN s1.n_wijst_naar_ander > 0 THEN 'tegenstrijdig bewijs'
        ELSE 'geen kandidaat'
    END AS review_reden
FROM link_clients c
LEFT JOIN step1 s1 USING (kennisstand, bron, client_id)
LEFT JOIN step2 s2 USING (kennisstand, bron, client_id)
)
-- score in the same pass (was an added column and an UPDATE of every row afterwards)
SELECT *, CAST(CASE WHEN methode IS NOT NULL THEN 1.0 END AS DOUBLE) AS score FROM decided
"""

"""Replicas of the demo population (`--scale N`) must not steal each other's linkage.

At scale 100 the blocking check `overlappende_verblijven` fired on three stays: the Splink stay
of one replica delivers its birth date with day and month swapped, and a later replica gave a
person with an empty or mistyped v_nummer (linked by step 2, on demographics) exactly those
swapped demographics. Step 2 then linked the Splink stay to that other person, whose own stay
in the same pilot was still running. The registry reserves such demographics; these tests check
that every replica respects the reservation, at a scale a test can afford.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from pipelines.demo import DEFAULT_SEED, build_population
from pipelines.demo.construction import Registry
from pipelines.demo.population import _ReplicaBuilder
from pipelines.demo.reference import link_stays

STEP_2 = ("leeg", "typo", "typo_ander")  # stays linked on demographics alone


def _step_2_demographics(replica) -> set[tuple[int, str, str]]:
    """The demographics (as the registry keys them) of the persons that step 2 must find."""
    return {(s.geboortedatum.toordinal(), s.geslacht, s.nationaliteit) for s in replica.stays if s.linkage in STEP_2}


def test_step_2_persons_avoid_demographics_an_earlier_replica_reserved():
    # What replica 1 would give its step-2 persons on its own ...
    alone = _step_2_demographics(_ReplicaBuilder(DEFAULT_SEED, 1, Registry()).build())
    assert alone
    # ... reserved beforehand, as an earlier replica's Splink stay (swapped birth date) reserves them.
    registry = Registry()
    registry.reserved |= alone
    rebuilt = _ReplicaBuilder(DEFAULT_SEED, 1, registry).build()
    assert not _step_2_demographics(rebuilt) & alone


@pytest.fixture(scope="module")
def population():
    return build_population(DEFAULT_SEED, 3)


def test_no_replica_links_a_stay_to_another_persons_record(population):
    links = link_stays(population)
    wrong = [s.verblijf_id for s in population.stays if links[f"{s.bron}/{s.verblijf_id}"][0] not in (None, s.person)]
    assert wrong == []


def test_no_linked_person_has_overlapping_stays_in_one_pilot(population):
    """What the blocking check `overlappende_verblijven` asks of the warehouse, asked of the model."""
    links = link_stays(population)
    stays_of = defaultdict(list)
    for s in population.stays:
        linked, _ = links[f"{s.bron}/{s.verblijf_id}"]
        if linked:
            stays_of[(s.bron, linked)].append(s)
    overlapping = []
    for (bron, _), stays in stays_of.items():
        for later in stays:
            if any(earlier is not later and earlier.instroomdatum <= later.instroomdatum
                   and (earlier.uitstroomdatum is None or later.instroomdatum < earlier.uitstroomdatum)
                   for earlier in stays):
                overlapping.append((bron, later.verblijf_id))
    assert overlapping == []

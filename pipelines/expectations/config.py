"""The thresholds of the expectations, from the environment (with defaults that fit the contract).

The same variables are read by the dbt models of `dbt_project/models/marts/afwijkingen/` and
`dbt_project/models/intermediate/afwijkingen/` (`env_var(...)` with the same defaults), so the
asset checks and `marts.fct_afwijkingen` judge alike. Set them where the run is started (the
shell, the systemd unit, `dagster dev`).

| variable | default | meaning |
|---|---|---|
| `LVV_MAX_DAGEN_ZONDER_LEVERING` | 45 | a source's newest delivery may lie this many days before the reference date |
| `LVV_VERSHEID_REFERENTIE` | `nieuwste_peildatum` | the reference date: the newest peildatum delivered, or `rundatum` (today) |
| `LVV_MIN_RIJEN_T_O_V_VORIGE` | 0.6 | at most this share of the previous delivery's rows (a fall of 40 %+): publishing stops |
| `LVV_WAARSCHUWING_RIJEN_T_O_V_VORIGE` | 0.8 | one with at most this share (a fall of 20 %+) is flagged; both at any file size |
| `LVV_MAX_QUARANTAINE_AANDEEL` | 0.10 | at most this share of a file's rows may be in quarantine |
| `LVV_ASIEL_TERMIJN_DAGEN` | 14 | days a person may stay in the LVV after an asylum application before moving to the COA |
| `LVV_VEILIG_LAND_PILOTS` | `rotterdam` | pilots (comma-separated) where safe-country persons get at most the term below |
| `LVV_VEILIG_LAND_MAANDEN` | 3 | that term, in months |
"""

from __future__ import annotations

import os
from dataclasses import dataclass

REFERENTIES = ("nieuwste_peildatum", "rundatum")


class ConfiguratieFout(ValueError):
    """A threshold in the environment cannot be read; the message says which and how to fix it."""


@dataclass(frozen=True)
class Thresholds:
    max_dagen_zonder_levering: int = 45
    versheid_referentie: str = "nieuwste_peildatum"
    min_rijen_t_o_v_vorige: float = 0.6
    waarschuwing_rijen_t_o_v_vorige: float = 0.8
    max_quarantaine_aandeel: float = 0.10
    asiel_termijn_dagen: int = 14
    veilig_land_pilots: tuple[str, ...] = ("rotterdam",)
    veilig_land_maanden: int = 3

    def gx_parameters(self) -> dict[str, float | int]:
        """The values of the `$PARAMETER`s in the suites of `expectations/`."""
        return {
            "max_dagen_zonder_levering": self.max_dagen_zonder_levering,
            "min_rijen_t_o_v_vorige": self.min_rijen_t_o_v_vorige,
            "waarschuwing_rijen_t_o_v_vorige": self.waarschuwing_rijen_t_o_v_vorige,
            "max_quarantaine_aandeel": self.max_quarantaine_aandeel,
            "asiel_termijn_dagen": self.asiel_termijn_dagen,
        }

    def as_metadata(self) -> dict[str, str]:
        return {
            "LVV_MAX_DAGEN_ZONDER_LEVERING": str(self.max_dagen_zonder_levering),
            "LVV_VERSHEID_REFERENTIE": self.versheid_referentie,
            "LVV_MIN_RIJEN_T_O_V_VORIGE": str(self.min_rijen_t_o_v_vorige),
            "LVV_WAARSCHUWING_RIJEN_T_O_V_VORIGE": str(self.waarschuwing_rijen_t_o_v_vorige),
            "LVV_MAX_QUARANTAINE_AANDEEL": str(self.max_quarantaine_aandeel),
            "LVV_ASIEL_TERMIJN_DAGEN": str(self.asiel_termijn_dagen),
            "LVV_VEILIG_LAND_PILOTS": ",".join(self.veilig_land_pilots),
            "LVV_VEILIG_LAND_MAANDEN": str(self.veilig_land_maanden),
        }


def _read(name: str, default, convert, check, expected: str):
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = convert(raw.strip())
    except ValueError:
        value = None
    if value is None or not check(value):
        raise ConfiguratieFout(f"{name}={raw!r} is ongeldig: verwacht {expected} (standaard {default})")
    return value


def thresholds_from_environment() -> Thresholds:
    """The thresholds from the environment; `ConfiguratieFout` names a value that cannot be used."""
    d = Thresholds()
    pilots = os.environ.get("LVV_VEILIG_LAND_PILOTS")
    return Thresholds(
        max_dagen_zonder_levering=_read("LVV_MAX_DAGEN_ZONDER_LEVERING", d.max_dagen_zonder_levering, int,
                                        lambda v: v >= 0, "een geheel aantal dagen ≥ 0"),
        versheid_referentie=_read("LVV_VERSHEID_REFERENTIE", d.versheid_referentie, str.lower,
                                  lambda v: v in REFERENTIES, " of ".join(REFERENTIES)),
        min_rijen_t_o_v_vorige=_read("LVV_MIN_RIJEN_T_O_V_VORIGE", d.min_rijen_t_o_v_vorige, float,
                                     lambda v: 0 <= v <= 1, "een getal tussen 0 en 1, bijvoorbeeld 0.6"),
        waarschuwing_rijen_t_o_v_vorige=_read("LVV_WAARSCHUWING_RIJEN_T_O_V_VORIGE", d.waarschuwing_rijen_t_o_v_vorige,
                                              float, lambda v: 0 <= v <= 1, "een getal tussen 0 en 1, bijvoorbeeld 0.8"),
        max_quarantaine_aandeel=_read("LVV_MAX_QUARANTAINE_AANDEEL", d.max_quarantaine_aandeel, float,
                                      lambda v: 0 <= v <= 1, "een getal tussen 0 en 1, bijvoorbeeld 0.1"),
        asiel_termijn_dagen=_read("LVV_ASIEL_TERMIJN_DAGEN", d.asiel_termijn_dagen, int,
                                  lambda v: v >= 0, "een geheel aantal dagen ≥ 0"),
        veilig_land_pilots=tuple(p.strip().lower() for p in pilots.split(",") if p.strip())
        if pilots and pilots.strip() else d.veilig_land_pilots,
        veilig_land_maanden=_read("LVV_VEILIG_LAND_MAANDEN", d.veilig_land_maanden, int,
                                  lambda v: v >= 0, "een geheel aantal maanden ≥ 0"),
    )

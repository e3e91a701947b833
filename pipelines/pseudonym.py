"""Pseudonyms: keyed HMAC-SHA256 with a secret from the environment.

Identifiers (v_nummer, client_id, verblijf_id) never leave the restricted zone; what leaves it
carries a pseudonym computed here. The secret comes from `LVV_PSEUDONYM_KEY`. In demo mode
(`LVV_DEMO=1`, or `lvv-monitor run --demo`) a visible demo key is used and outputs are
marked as demo; outside demo mode a missing key is an error, never a silent default, and so is
the (public) demo key or a key shorter than `MIN_KEY_BYTES` (32) bytes: a short key can be
guessed, and every pseudonym with it. `key_problem()` says what is wrong without raising, for
the Dagster sensor and schedule, which skip with that reason rather than fail halfway a run.

Demo mode is passed in (`demo=True` from `--demo`, or the `warehouse` resource's setting) and
read from `LVV_DEMO` only when it is not: nothing sets the variable on a caller's behalf.
"""

from __future__ import annotations

import hashlib
import hmac
import os

DEMO_KEY = "DEMO-SLEUTEL-alleen-voor-synthetische-demo-gegevens"
KEY_ENV = "LVV_PSEUDONYM_KEY"
DEMO_ENV = "LVV_DEMO"
PSEUDONYM_LENGTH = 16  # hex characters: 64 bits, no collisions at this population size
MIN_KEY_BYTES = 32
_HOW_TO = (
    f"`export {KEY_ENV}=$(python3 -c 'import secrets; print(secrets.token_hex(32))')`, en bewaar "
    "hem buiten de repository (systemd: in een EnvironmentFile, zie deploy/): dezelfde sleutel geeft elke nacht "
    "dezelfde pseudoniemen. "
)


class MissingPseudonymKey(RuntimeError):
    pass


class WeakPseudonymKey(MissingPseudonymKey):
    """The key is set but not usable outside demo mode (the demo key, or too short)."""


def key_problem(demo: bool | None = None) -> str | None:
    """Why no pseudonym key can be used now (None: it can). Never shows the key."""
    try:
        pseudonym_key(demo)
    except MissingPseudonymKey as exc:
        return str(exc)
    return None


def is_demo_flag(value: str | None) -> bool:
    """Whether a setting of `LVV_DEMO` means demo mode: 1, true, ja or yes (any case)."""
    return (value or "").strip().lower() in ("1", "true", "ja", "yes")


def is_demo_mode(demo: bool | None = None) -> bool:
    """`demo` when the caller knows (the command line's --demo), else what `LVV_DEMO` says."""
    return is_demo_flag(os.environ.get(DEMO_ENV)) if demo is None else demo


def pseudonym_key(demo: bool | None = None) -> bytes:
    """The HMAC secret: LVV_PSEUDONYM_KEY, or the demo key in demo mode; else a clear error.
    `demo` as in `is_demo_mode`."""
    key = os.environ.get(KEY_ENV, "")
    demo = is_demo_mode(demo)
    if key:
        secret = key.encode("utf-8")
        if demo:
            return secret
        if key.strip() == DEMO_KEY:
            raise WeakPseudonymKey(
                f"{KEY_ENV} is de openbare demosleutel; die is alleen toegestaan in demomodus ({DEMO_ENV}=1). "
                "Zet een eigen geheime sleutel van minstens 32 tekens, bijvoorbeeld " + _HOW_TO
            )
        if len(secret) < MIN_KEY_BYTES:
            raise WeakPseudonymKey(
                f"{KEY_ENV} is te kort ({len(secret)} bytes, minstens {MIN_KEY_BYTES}): een korte sleutel is te "
                "raden, en daarmee ieder pseudoniem. Zet een langere, bijvoorbeeld " + _HOW_TO
            )
        return secret
    if demo:
        return DEMO_KEY.encode("utf-8")
    raise MissingPseudonymKey(
        f"{KEY_ENV} is niet gezet. Zet een geheime sleutel (minstens 32 tekens), bijvoorbeeld " + _HOW_TO
        + f"Alleen voor de synthetische demo: `lvv-monitor run --demo` (of {DEMO_ENV}=1)."
    )


def pseudonymize(value: str, purpose: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 of `purpose:value`; `purpose` keeps e.g. person and stay keys apart."""
    secret = pseudonym_key() if key is None else key
    digest = hmac.new(secret, f"{purpose}:{value}".encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_LENGTH]

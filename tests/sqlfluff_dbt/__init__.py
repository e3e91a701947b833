"""dbt's context functions for sqlfluff's jinja templater (`library_path` in `.sqlfluff`).

sqlfluff's `apply_dbt_builtins` emulates `ref`, `source`, `config` and `var` (as the word
"item"), but not `env_var`, `return` or `exceptions`, which the models and macros use. These
stand-ins render the SQL as dbt would with an empty environment: `env_var` gives its default and
`var` the value in dbt_project.yml, so the linter reads the same defaults as dbt and keeps no copy.
Lint only; nothing here runs in the pipeline.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import yaml

_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml"
_VARS = yaml.safe_load(_PROJECT.read_text(encoding="utf-8")).get("vars") or {}


def env_var(name: str, default: str = "") -> str:
    """The default, as dbt gives it when the variable is not set."""
    return default


def var(name: str, default: object = None) -> object:
    """The value of `vars:` in dbt_project.yml, else the default."""
    return _VARS.get(name, default)


def _raise_compiler_error(message: str) -> None:
    raise RuntimeError(message)


exceptions = SimpleNamespace(raise_compiler_error=_raise_compiler_error)
globals()["return"] = lambda value: value  # dbt's `return(...)` in a macro: its value


"""SQL text for DuckDB: a quoted identifier and a string literal (names and comments of the marts
come from the pipeline database; they are quoted, never pasted)."""

from __future__ import annotations


def ident(name: str) -> str:
    """`name` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    """`text` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"

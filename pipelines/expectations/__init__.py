"""Expectations: every deviation from the agreements, flagged each night, and a stop on what must
not be published.

- `expectations/*.json` at the root of the repository: the Great Expectations (1.x) suites, one
  per concern (convenant, reconciliatie, datakwaliteit), each expectation with a description in
  Dutch and its `soort`, `ernst`, Dagster check, frame and what to do (`suites.py`);
- `frames.py`: the data each expectation is evaluated on (DataFrames read from DuckDB);
- `validate.py`: the GX engine (ephemeral context, pandas data source, Data Docs per run);
- `config.py`: the thresholds (environment variables, shared with the dbt models);
- `command.py`: `lvv-monitor deviations`, the list of `marts.fct_afwijkingen`;
- `pipelines/defs/expectation_checks.py`: the Dagster asset checks built from the suites.

Great Expectations is imported only when a check runs.
"""

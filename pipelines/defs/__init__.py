"""Dagster definitions, one module per concern; assembled in `pipelines/definitions.py`."""

"""Every Dagster definition of the project, one module per area (docs/architecture.md).

Module-level assets, asset checks, jobs, schedules and sensors here are collected by
`dg.load_from_defs_folder` in `pipelines/definitions.py`; nothing lists them by hand.
"""

"""One place for run messages: they go to the Dagster run log and to the `lvv_monitor` logger.

The Dagster UI shows the run log; `lvv-monitor run` attaches a handler to the `lvv_monitor`
logger and prints the same messages as progress, without Dagster's own verbose console output.
"""

from __future__ import annotations

import logging

import dagster as dg

progress_logger = logging.getLogger("lvv_monitor")


def report(context: dg.AssetExecutionContext | dg.OpExecutionContext, message: str, warning: bool = False) -> None:
    if warning:
        context.log.warning(message)
        progress_logger.warning(message)
    else:
        context.log.info(message)
        progress_logger.info(message)

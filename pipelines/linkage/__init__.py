"""Linkage: which national person (v_nummer) each municipal person (bron, client_id) is."""

from pipelines.linkage.run import LinkageSummary, run_linkage

__all__ = ["LinkageSummary", "run_linkage"]

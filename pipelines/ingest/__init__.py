"""The raw zone: read what landed, validate every row, load or quarantine it, with lineage."""

from pipelines.ingest.deliveries import DeliveryReport
from pipelines.ingest.landing import scan_landing
from pipelines.ingest.load import ingest_landing

__all__ = ["DeliveryReport", "ingest_landing", "scan_landing"]

"""Counter-file importers (Telraam, Eco-Counter, generic 15-minute CSV) yielding normalised records.

Pure functions from a file to an :class:`ImportResult` (counts, gaps, row errors); storing them
is the caller's job, keyed by each record's ``idempotency_key`` so that re-imports are harmless.
"""

from kikz.sensors.importers.ecocounter import import_export as import_ecocounter
from kikz.sensors.importers.generic import ColumnMapping
from kikz.sensors.importers.generic import import_counts as import_generic
from kikz.sensors.importers.records import CountRecord, Gap, ImportResult, RowError, SpeedHistogram
from kikz.sensors.importers.telraam import import_report as import_telraam

__all__ = [
    "ColumnMapping",
    "CountRecord",
    "Gap",
    "ImportResult",
    "RowError",
    "SpeedHistogram",
    "import_ecocounter",
    "import_generic",
    "import_telraam",
]

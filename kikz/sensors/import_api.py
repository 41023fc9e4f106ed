"""Counter-file imports over HTTP: upload a Telraam, Eco-Counter or generic CSV file to a counting site, list gaps.

Thin: parses the multipart upload into a temporary file (refusing more than ``max_upload_bytes``), calls
:func:`kikz.sensors.imports.import_file` and answers its report. The request owns the transaction, so a refused
file (400), an oversized one (413) or any failure leaves nothing stored.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path, PurePath
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi import Path as PathParam
from pydantic import BaseModel

from kikz.errors import TooLarge
from kikz.sensors.import_gaps import list_gaps
from kikz.sensors.imports import FORMATS, ImportRejected, ImportReport, import_file, parse_mapping
from kikz.sensors.traffic import Mode
from kikz.storage import CHUNK
from kikz.web.deps import LoggedInDep, PrincipalDep, SessionDep, SettingsDep

TAG = "Zählstellen / Counting sites"
router = APIRouter(prefix="/api/v1/sensors", tags=[TAG])
ThingId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="@iot.id des Things (der Zählstelle)")]
SUFFIXES = {".csv", ".txt", ".json"}
MAX_MAPPING_CHARS = 64 * 1024


class RowErrorOut(BaseModel):
    line: int
    message: str


class StreamSummaryOut(BaseModel):
    datastream_id: int
    name: str
    source_key: str
    stream_created: bool
    observations_created: int
    observations_updated: int
    observations_unchanged: int
    observations_removed: int
    gaps_recorded: int


class ImportReportOut(BaseModel):
    thing_id: int
    format: str
    source_name: str
    rows_read: int
    observations_created: int
    observations_updated: int
    observations_unchanged: int
    observations_removed: int
    gaps_created: int
    gaps_updated: int
    gaps_unchanged: int
    gaps_closed: int
    streams_created: int
    row_errors: int
    errors: list[RowErrorOut]
    period_start: dt.datetime | None
    period_end: dt.datetime | None
    streams: list[StreamSummaryOut]

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportOut:
        return cls.model_validate(report.as_dict())


class GapOut(BaseModel):
    id: int
    datastream_id: int
    datastream_name: str
    source_key: str | None
    start: dt.datetime
    end: dt.datetime
    reason: str
    source: str
    recorded_at: dt.datetime


class GapPage(BaseModel):
    thing_id: int
    count: int
    value: list[GapOut]


IMPORT_DESCRIPTION = """Multipart-Upload einer Zählerdatei (Feld `file`) an ein Thing (Zählstelle).

* `format`: `telraam` (API-JSON `{"report": [...]}` als `.json` oder CSV-Download), `ecocounter` (Eco-Visio-Export)
  oder `generic` (15-Minuten-CSV, braucht `mapping`).
* `mapping` (nur `generic`): JSON, z. B. `{"series_prefix": "zs-017", "timestamp": "Datetime", "total": "Summe",
  "channels": {"Richtung Nord": "nord"}, "status": "Status", "good_status": ["ok"], "interval_minutes": 15,
  "timestamp_marks": "start", "time_zone": "Europe/Berlin", "mode": "kfz",
  "traffic": {"nord": {"mode": "kfz", "direction": "Nord"}}}`.
* `mode` (nur `ecocounter`): `rad` oder `fuss` für alle Kanäle (Standard: aus dem Namen der Zählstelle, sonst Rad).

Datastreams werden je Reihe gefunden (`properties.traffic.source_key`) oder angelegt; erneuter Import ändert nichts
(`unchanged`), korrigierte Werte werden ersetzt (`updated`). Fehlerhafte Zeilen stehen mit Zeilennummer im Bericht,
die übrigen werden gespeichert. Braucht Bearbeitungsrechte am Sensornetz; unlesbare Dateien 400, zu große 413.

/ Multipart upload of a counter file to a Thing; re-import is idempotent, bad rows are reported by line."""


@router.post(
    "/things/{thing_id}/imports",
    response_model=ImportReportOut,
    summary="Zählerdatei importieren / Import a counter file",
    description=IMPORT_DESCRIPTION,
    responses={400: {"description": "Datei oder Angaben unbrauchbar"}, 413: {"description": "Datei zu groß"}},
)
def import_counter_file(
    thing_id: ThingId,
    session: SessionDep,
    principal: LoggedInDep,
    settings: SettingsDep,
    file: Annotated[UploadFile | None, File(description="Die Zählerdatei")] = None,
    format: Annotated[str | None, Form(description="telraam, ecocounter oder generic")] = None,
    mapping: Annotated[str | None, Form(description="Spaltenzuordnung als JSON (generic)")] = None,
    mode: Annotated[str | None, Form(description="Verkehrsart der Eco-Counter-Kanäle: rad oder fuss")] = None,
) -> ImportReportOut:
    if file is None or not file.filename:
        raise ImportRejected("Es wurde keine Datei hochgeladen (Feld 'file'). / No file uploaded.")
    if format not in FORMATS:
        raise ImportRejected(f"Feld 'format' muss {', '.join(FORMATS)} sein. / Unknown format.")
    parsed_mapping = _mapping(mapping) if format == "generic" else None
    chosen_mode = _eco_mode(mode) if format == "ecocounter" else None
    name = PurePath(file.filename.replace("\\", "/")).name.strip() or "upload"
    suffix = PurePath(name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="kikz-import-") as folder:
        target = Path(folder) / f"upload{suffix if suffix in SUFFIXES else '.csv'}"
        _copy_limited(file, target, settings.max_upload_bytes)
        report = import_file(
            session,
            principal,
            thing_id,
            target,
            format,
            mapping=parsed_mapping,
            source_name=name,
            mode=chosen_mode,
        )
    return ImportReportOut.of(report)


def _copy_limited(upload: UploadFile, target: Path, limit: int) -> None:
    size = 0
    with target.open("wb") as out:
        while chunk := upload.file.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"Die Datei ist größer als das Limit von {limit:,} Bytes.".replace(",", "."))
            out.write(chunk)
    if size == 0:
        raise ImportRejected("Die hochgeladene Datei ist leer. / The uploaded file is empty.")


def _mapping(raw: str | None) -> Any:
    if not raw or not raw.strip():
        raise ImportRejected("Für das Format 'generic' fehlt das Feld 'mapping' (JSON). / The mapping is missing.")
    if len(raw) > MAX_MAPPING_CHARS:
        raise ImportRejected("Die Spaltenzuordnung ist zu lang. / The mapping is too long.")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ImportRejected(f"Die Spaltenzuordnung ist kein gültiges JSON: {exc}. / Invalid JSON.") from exc
    return parse_mapping(data)


def _eco_mode(raw: str | None) -> Mode | None:
    if not raw:
        return None
    if raw not in (Mode.BICYCLE.value, Mode.PEDESTRIAN.value):
        raise ImportRejected("Feld 'mode' muss 'rad' oder 'fuss' sein. / 'mode' must be 'rad' or 'fuss'.")
    return Mode(raw)


@router.get(
    "/things/{thing_id}/gaps",
    response_model=GapPage,
    summary="Datenlücken einer Zählstelle / Gaps of a counting site",
    description="Aufgezeichnete Lücken (fehlende Intervalle, geringe Betriebszeit, Gerätestatus) der Datastreams "
    "eines sichtbaren Things, älteste zuerst. / Recorded gaps of a visible Thing's datastreams, oldest first.",
)
def thing_gaps(
    thing_id: ThingId,
    session: SessionDep,
    principal: PrincipalDep,
    datastream: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Nur dieser Datastream")] = None,
    start: Annotated[dt.datetime | None, Query(description="Lücken, die nach diesem Zeitpunkt enden")] = None,
    end: Annotated[dt.datetime | None, Query(description="Lücken, die vor diesem Zeitpunkt beginnen")] = None,
    reason: Annotated[str | None, Query(max_length=100, description="missing, low_uptime oder Gerätestatus")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> GapPage:
    total, rows = list_gaps(
        session,
        principal,
        thing_id,
        datastream_id=datastream,
        start=_aware(start),
        end=_aware(end),
        reason=reason,
        limit=limit,
        offset=offset,
    )
    return GapPage(thing_id=thing_id, count=total, value=[GapOut.model_validate(r.__dict__) for r in rows])


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


__all__ = ["router"]

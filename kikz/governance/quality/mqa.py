"""The MQA indicators of data.europa.eu (405 points) computed on a dataset's DCAT-AP.de export graph.

Every indicator reads the triples exactly as the export writes them (including its documented fallbacks,
e.g. the city's contact or the ``other-closed`` licence), because that is what GovData and data.europa.eu
harvest and score. Distribution indicators take the best distribution per indicator: a dataset passes when
at least one of its distributions does. Reachability is never checked here: the caller passes what the
background link check (or the file store) knows, and an unchecked URL earns no points yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import rdflib
from rdflib.namespace import DCAT, DCTERMS, RDF

from kikz.catalog.dcat.shacl import ValidationReport
from kikz.catalog.dcat.terms import IANA_MEDIA_TYPES
from kikz.catalog.vocabularies import (
    ACCESS_RIGHT_BASE,
    ACCESS_RIGHTS,
    FILE_TYPE_BASE,
    FILE_TYPES,
    LICENSE_BASE,
    THEME_BASE,
    official_licenses,
)
from kikz.governance.quality.schemas import BAND_LABELS_DE, Band, DimensionScore, Indicator

VCARD = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")

DIMENSIONS: dict[str, str] = {
    "findability": "Auffindbarkeit",
    "accessibility": "Zugänglichkeit",
    "interoperability": "Interoperabilität",
    "reusability": "Wiederverwendbarkeit",
    "contextuality": "Kontext",
}


@dataclass(frozen=True)
class IndicatorSpec:
    key: str
    dimension: str
    label_de: str
    weight: int
    on_distribution: bool = False


INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec("keyword", "findability", "Schlagwörter", 30),
    IndicatorSpec("theme", "findability", "Kategorien (Themen)", 30),
    IndicatorSpec("spatial", "findability", "Raumbezug", 20),
    IndicatorSpec("temporal", "findability", "Zeitbezug", 20),
    IndicatorSpec("access_url", "accessibility", "Zugangs-URL erreichbar", 50, True),
    IndicatorSpec("download_url", "accessibility", "Download-URL angegeben", 20, True),
    IndicatorSpec("download_url_ok", "accessibility", "Download-URL erreichbar", 30, True),
    IndicatorSpec("format", "interoperability", "Format", 20, True),
    IndicatorSpec("media_type", "interoperability", "Medientyp", 10, True),
    IndicatorSpec("format_vocabulary", "interoperability", "Format/Medientyp aus Vokabular", 10, True),
    IndicatorSpec("non_proprietary", "interoperability", "Offenes (nicht proprietäres) Format", 20, True),
    IndicatorSpec("machine_readable", "interoperability", "Maschinenlesbares Format", 20, True),
    IndicatorSpec("dcat_ap", "interoperability", "DCAT-AP.de-konform (SHACL)", 30),
    IndicatorSpec("license", "reusability", "Lizenz", 20, True),
    IndicatorSpec("license_vocabulary", "reusability", "Lizenz aus Vokabular", 10, True),
    IndicatorSpec("access_rights", "reusability", "Zugriffsrechte", 10),
    IndicatorSpec("access_rights_vocabulary", "reusability", "Zugriffsrechte aus Vokabular", 5),
    IndicatorSpec("contact_point", "reusability", "Kontaktstelle", 20),
    IndicatorSpec("publisher", "reusability", "Herausgeber", 10),
    IndicatorSpec("rights", "contextuality", "Rechtehinweis", 5, True),
    IndicatorSpec("byte_size", "contextuality", "Dateigröße", 5, True),
    IndicatorSpec("issued", "contextuality", "Veröffentlichungsdatum", 5),
    IndicatorSpec("modified", "contextuality", "Änderungsdatum", 5),
)
SPECS = {spec.key: spec for spec in INDICATORS}
MAX_SCORE = sum(spec.weight for spec in INDICATORS)

NOT_CHECKED = "noch nicht geprüft"


def band_for(score: float) -> Band:
    """Bands of the method on the 405-point scale (a catalogue's fractional score: 350.9 is still "good")."""
    if score >= 351:
        return "excellent"
    if score >= 221:
        return "good"
    if score >= 121:
        return "sufficient"
    return "bad"


def band_label(band: str) -> str:
    return BAND_LABELS_DE[band]


@dataclass(frozen=True)
class Reachability:
    """What is known about one URL: ``ok`` is None while it has not been checked."""

    ok: bool | None
    detail_de: str


Reach = Callable[[str, str | None], Reachability]
"""(url, sha256 of the stored file or None) -> what is known about reaching it."""


@dataclass(frozen=True)
class Outcome:
    passed: bool
    reason_de: str


def _first(graph: rdflib.Graph, node: rdflib.term.Node, prop: rdflib.URIRef) -> rdflib.term.Node | None:
    return next(iter(graph.objects(node, prop)), None)


def _all(graph: rdflib.Graph, node: rdflib.term.Node, prop: rdflib.URIRef) -> list[rdflib.term.Node]:
    return list(graph.objects(node, prop))


def _code(node: rdflib.term.Node | None, base: str) -> str | None:
    text = str(node) if node is not None else ""
    return text[len(base) :] if text.startswith(base) else None


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class DistributionView:
    """The distribution properties the indicators read, pulled out of the graph once."""

    def __init__(self, graph: rdflib.Graph, node: rdflib.term.Node, reach: Reach) -> None:
        self.title = str(_first(graph, node, DCTERMS.title) or node)
        self.access_url = str(_first(graph, node, DCAT.accessURL) or "")
        download = _first(graph, node, DCAT.downloadURL)
        self.download_url = str(download) if download is not None else ""
        self.format = _first(graph, node, DCTERMS.format)
        self.media_type = _first(graph, node, DCAT.mediaType)
        self.license = _first(graph, node, DCTERMS.license)
        self.rights = _first(graph, node, DCTERMS.rights)
        self.byte_size = _first(graph, node, DCAT.byteSize)
        checksum_node = _first(graph, node, SPDX.checksum)
        value = _first(graph, checksum_node, SPDX.checksumValue) if checksum_node is not None else None
        self.sha256 = str(value) if value is not None else None
        self.reach = reach

    @property
    def format_code(self) -> str | None:
        return _code(self.format, FILE_TYPE_BASE)

    @property
    def media_type_code(self) -> str | None:
        return _code(self.media_type, IANA_MEDIA_TYPES)

    @property
    def file_type(self) -> tuple[str, bool, bool] | None:
        """(media type, machine readable, non-proprietary) from the format, else from the media type."""
        code = self.format_code
        if code in FILE_TYPES:
            return FILE_TYPES[code]
        media = self.media_type_code
        for entry in FILE_TYPES.values():
            if entry[0] == media:
                return entry
        return None

    @property
    def format_label(self) -> str:
        return self.format_code or self.media_type_code or "ohne Format"


def _distribution_outcome(key: str, d: DistributionView) -> Outcome:
    name = f"„{_short(d.title, 60)}“"
    if key == "access_url":
        if not d.access_url:
            return Outcome(False, f"{name}: keine Zugangs-URL.")
        known = d.reach(d.access_url, d.sha256)
        return Outcome(known.ok is True, f"{name}: {known.detail_de}")
    if key == "download_url":
        if d.download_url:
            return Outcome(True, f"{name}: Download-URL angegeben.")
        return Outcome(False, f"{name}: keine Download-URL (dcat:downloadURL).")
    if key == "download_url_ok":
        if not d.download_url:
            return Outcome(False, f"{name}: keine Download-URL, die geprüft werden könnte.")
        known = d.reach(d.download_url, d.sha256)
        return Outcome(known.ok is True, f"{name}: {known.detail_de}")
    if key == "format":
        if d.format is not None:
            return Outcome(True, f"{name}: Format {d.format_label}.")
        return Outcome(False, f"{name}: kein Format (dct:format) aus der EU-Dateitypliste.")
    if key == "media_type":
        if d.media_type is not None:
            return Outcome(True, f"{name}: Medientyp {d.media_type_code or d.media_type}.")
        return Outcome(False, f"{name}: kein Medientyp (dcat:mediaType).")
    if key == "format_vocabulary":
        if d.format_code in FILE_TYPES or d.file_type is not None:
            return Outcome(True, f"{name}: {d.format_label} stammt aus dem EU-Dateityp- bzw. IANA-Vokabular.")
        return Outcome(False, f"{name}: Format/Medientyp nicht aus einem kontrollierten Vokabular.")
    if key in ("non_proprietary", "machine_readable"):
        info = d.file_type
        if info is None:
            return Outcome(False, f"{name}: Format unbekannt, daher nicht bewertbar.")
        flag = info[2] if key == "non_proprietary" else info[1]
        what = "offenes Format" if key == "non_proprietary" else "maschinenlesbar"
        if flag:
            return Outcome(True, f"{name}: {d.format_label} ist {what}.")
        return Outcome(False, f"{name}: {d.format_label} ist nicht {what}.")
    if key == "license":
        if d.license is None:
            return Outcome(False, f"{name}: keine Lizenz (dct:license).")
        ident = str(d.license).removeprefix(LICENSE_BASE)
        note = " (geschlossen; ohne Lizenzangabe setzt der Export diese)" if ident == "other-closed" else ""
        return Outcome(True, f"{name}: Lizenz {ident}{note}.")
    if key == "license_vocabulary":
        code = _code(d.license, LICENSE_BASE)
        if code is not None and code in _licence_ids():
            return Outcome(True, f"{name}: Lizenz aus dem DCAT-AP.de-Lizenzvokabular.")
        return Outcome(False, f"{name}: Lizenz nicht aus dem DCAT-AP.de-Lizenzvokabular.")
    if key == "rights":
        if d.rights is not None:
            return Outcome(True, f"{name}: Rechtehinweis (dct:rights) vorhanden.")
        return Outcome(False, f"{name}: kein Rechtehinweis (dct:rights).")
    if key == "byte_size":
        if d.byte_size is not None:
            return Outcome(True, f"{name}: Dateigröße {d.byte_size} Bytes.")
        return Outcome(False, f"{name}: keine Dateigröße (dcat:byteSize).")
    raise KeyError(key)


def _licence_ids() -> frozenset[str]:
    return frozenset(ident for ident, *_ in official_licenses())


def _dataset_outcome(
    key: str, graph: rdflib.Graph, ds: rdflib.term.Node, shacl_report: ValidationReport | None
) -> Outcome:
    if key == "keyword":
        words = _all(graph, ds, DCAT.keyword)
        if words:
            return Outcome(True, f"{len(words)} Schlagwörter angegeben.")
        return Outcome(False, "Keine Schlagwörter (dcat:keyword) angegeben.")
    if key == "theme":
        codes = sorted(str(t).removeprefix(THEME_BASE) for t in _all(graph, ds, DCAT.theme))
        if codes:
            return Outcome(True, f"Kategorie(n): {', '.join(codes)}.")
        return Outcome(False, "Keine Kategorie (dcat:theme) aus dem EU-Themenvokabular angegeben.")
    if key == "spatial":
        if _first(graph, ds, DCTERMS.spatial) is not None:
            return Outcome(True, "Raumbezug (dct:spatial) über den Regionalschlüssel der Kommune.")
        return Outcome(False, "Kein Raumbezug (dct:spatial): der Kommune fehlt der Regionalschlüssel.")
    if key == "temporal":
        if _first(graph, ds, DCTERMS.temporal) is not None:
            return Outcome(True, "Zeitraum (dct:temporal) angegeben.")
        return Outcome(False, "Kein Zeitraum (dct:temporal) angegeben.")
    if key == "dcat_ap":
        if shacl_report is None:
            return Outcome(False, "Nicht geprüft.")
        if shacl_report.conforms:
            return Outcome(True, "Konform zu den DCAT-AP.de-Shapes (SHACL).")
        first = shacl_report.violations[0]
        where = first.path.rsplit("/", 1)[-1].rsplit("#", 1)[-1] or first.focus
        return Outcome(
            False,
            f"{len(shacl_report.violations)} Verstoß/Verstöße gegen DCAT-AP.de (SHACL), z. B. {where}: "
            f"{_short(first.message, 160)}",
        )
    if key in ("access_rights", "access_rights_vocabulary"):
        rights = _first(graph, ds, DCTERMS.accessRights)
        if rights is None:
            return Outcome(False, "Keine Zugriffsrechte (dct:accessRights) angegeben.")
        code = _code(rights, ACCESS_RIGHT_BASE)
        if key == "access_rights":
            return Outcome(True, f"Zugriffsrechte: {code or rights}.")
        if code in ACCESS_RIGHTS:
            return Outcome(True, "Zugriffsrechte aus dem EU-Vokabular (access-right).")
        return Outcome(False, "Zugriffsrechte nicht aus dem EU-Vokabular (access-right).")
    if key == "contact_point":
        for contact in _all(graph, ds, DCAT.contactPoint):
            if _first(graph, contact, VCARD.hasEmail) is not None or _first(graph, contact, VCARD.hasURL):
                return Outcome(True, "Kontaktstelle mit E-Mail-Adresse oder Webadresse.")
        return Outcome(False, "Keine Kontaktstelle mit E-Mail-Adresse oder Webadresse (dcat:contactPoint).")
    if key == "publisher":
        if _first(graph, ds, DCTERMS.publisher) is not None:
            return Outcome(True, "Herausgeber (dct:publisher) angegeben.")
        return Outcome(False, "Kein Herausgeber (dct:publisher) angegeben.")
    if key in ("issued", "modified"):
        prop = DCTERMS.issued if key == "issued" else DCTERMS.modified
        value = _first(graph, ds, prop)
        label = "Veröffentlichungsdatum" if key == "issued" else "Änderungsdatum"
        if value is not None:
            return Outcome(True, f"{label}: {str(value)[:10]}.")
        return Outcome(False, f"Kein {label} (dct:{key}) angegeben.")
    raise KeyError(key)


def distributions_of(graph: rdflib.Graph, ds: rdflib.term.Node, reach: Reach) -> list[DistributionView]:
    nodes = [n for n in graph.objects(ds, DCAT.distribution) if (n, RDF.type, DCAT.Distribution) in graph]
    return [DistributionView(graph, n, reach) for n in sorted(nodes, key=str)]


def _best(key: str, dists: Iterable[DistributionView]) -> Outcome:
    outcomes = [_distribution_outcome(key, d) for d in dists]
    if not outcomes:
        return Outcome(False, "Keine Distribution vorhanden.")
    passed = [o for o in outcomes if o.passed]
    if passed:
        return passed[0]
    # the most telling reason first: a pending check says more than "not reachable" of another copy
    pending = [o for o in outcomes if NOT_CHECKED in o.reason_de]
    return (pending or outcomes)[0]


def evaluate(
    graph: rdflib.Graph, dataset: rdflib.URIRef, *, reach: Reach, shacl_report: ValidationReport | None
) -> list[Indicator]:
    """All 23 indicators of one dataset, in the order of the method."""
    dists = distributions_of(graph, dataset, reach)
    out: list[Indicator] = []
    for spec in INDICATORS:
        outcome = (
            _best(spec.key, dists) if spec.on_distribution else _dataset_outcome(spec.key, graph, dataset, shacl_report)
        )
        out.append(
            Indicator(
                key=spec.key,
                dimension=spec.dimension,
                label_de=spec.label_de,
                points=spec.weight if outcome.passed else 0,
                max_points=spec.weight,
                passed=outcome.passed,
                reason_de=outcome.reason_de,
            )
        )
    return out


def dimension_scores(points: dict[str, float]) -> list[DimensionScore]:
    """Per-dimension sums from {indicator key: points}."""
    out = []
    for key, label in DIMENSIONS.items():
        specs = [s for s in INDICATORS if s.dimension == key]
        out.append(
            DimensionScore(
                key=key,
                label_de=label,
                points=round(sum(points.get(s.key, 0.0) for s in specs), 1),
                max_points=sum(s.weight for s in specs),
            )
        )
    return out

"""Reading DCAT-AP.de 1.x–3.0 catalogues (RDF/XML or Turtle) into plain ``HarvestedDataset`` records.

Tolerant of the variants found in the wild: licence on the distribution or the dataset, old licence IRIs
and common licence URLs, ``dcatde:licenseAttributionByText``, keywords in several languages, contact points
with e-mail as IRI, literal or ``vcard:Email`` node, periods with ``dcat:``, ``schema:`` or ``time:`` dates,
formats and media types as IRI or literal. RDF/XML is checked with defusedxml first: a DOCTYPE, entity
declarations or external references are refused before rdflib sees the document.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import rdflib
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_xml
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF
from rdflib.term import Node

from kikz.catalog.dcat import terms
from kikz.catalog.vocabularies import (
    ACCESS_RIGHT_BASE,
    ACCESS_RIGHTS,
    EU_THEMES,
    FILE_TYPE_BASE,
    FILE_TYPES,
    FREQUENCIES,
    FREQUENCY_BASE,
    THEME_BASE,
    license_id_from_iri,
)
from kikz.errors import InvalidInput

DCATDE = rdflib.Namespace("http://dcat-ap.de/def/dcatde/")
# DCAT-AP.de 1.0 and 1.0.1 had versioned namespaces for their own terms.
DCATDE_ALL = (
    DCATDE,
    rdflib.Namespace("http://dcat-ap.de/def/dcatde/1_0/"),
    rdflib.Namespace("http://dcat-ap.de/def/dcatde/1.0.1/"),
)
DCATAP = rdflib.Namespace("http://data.europa.eu/r5r/")
VCARD = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")
SCHEMA = rdflib.Namespace("http://schema.org/")
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
TIME = rdflib.Namespace("http://www.w3.org/2006/time#")

InputFormat = Literal["xml", "turtle"]

# Licence URLs and legacy ids seen in DCAT-AP.de 1.x feeds and CKAN portals -> DCAT-AP.de licence id.
LICENSE_ALIASES: dict[str, str] = {
    "dl-de-by-2.0": "dl-by-de/2.0",
    "dl-de/by-2-0": "dl-by-de/2.0",
    "dl-de-by-1.0": "dl-by-de/1.0",
    "dl-de/by-1-0": "dl-by-de/1.0",
    "dl-de-zero-2.0": "dl-zero-de/2.0",
    "dl-de/zero-2-0": "dl-zero-de/2.0",
    "cc-by-4.0": "cc-by/4.0",
    "creativecommons.org/licenses/by/4.0": "cc-by/4.0",
    "creativecommons.org/licenses/by-sa/4.0": "cc-by-sa/4.0",
    "creativecommons.org/licenses/by-nd/4.0": "cc-by-nd/4.0",
    "creativecommons.org/licenses/by-nc/4.0": "cc-by-nc/4.0",
    "creativecommons.org/publicdomain/zero/1.0": "cc-zero",
    "cc0-1.0": "cc-zero",
    "cc0": "cc-zero",
    "odc-odbl": "odbl",
    "opendatacommons.org/licenses/odbl": "odbl",
    "opendatacommons.org/licenses/odbl/1.0": "odbl",
    "opendatacommons.org/licenses/by": "odby",
    "opendatacommons.org/licenses/pddl": "odcpddl",
    "cc_by_4_0": "cc-by/4.0",
    "cc_bysa_4_0": "cc-by-sa/4.0",
    "cc0_1_0": "cc-zero",
    "odc_bl": "odbl",
    "dl_by_de_2_0": "dl-by-de/2.0",
    "dl_zero_de_2_0": "dl-zero-de/2.0",
}
LICENSE_URL_PREFIXES = (
    "https://www.govdata.de/",
    "http://www.govdata.de/",
    "https://",
    "http://",
    "http://publications.europa.eu/resource/authority/licence/",
    "www.",
)
OLD_FREQUENCIES = {
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "annual": "ANNUAL",
    "irregular": "IRREG",
    "continuous": "CONT",
    "biennial": "BIENNIAL",
    "semiannual": "BIANNUAL",
    "biweekly": "BIWEEKLY",
    "bimonthly": "OTHER",
    "triennial": "OTHER",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LANGUAGE_CODES = {code: iso for iso, (code, _label) in terms.LANGUAGES.items()}


@dataclass
class HarvestedDistribution:
    access_url: str
    download_url: str = ""
    title: str = ""
    description: str = ""
    format: str = ""
    media_type: str = ""
    byte_size: int | None = None
    license_id: str | None = None
    issued: dt.datetime | None = None
    modified: dt.datetime | None = None


@dataclass
class HarvestedDataset:
    iri: str
    identifier: str
    title: str
    description: str
    keywords: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    publisher_name: str = ""
    publisher_uri: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_url: str = ""
    license_id: str | None = None
    license_attribution: str = ""
    contributor_id: str = ""
    access_rights: str = ""
    temporal_start: dt.date | None = None
    temporal_end: dt.date | None = None
    accrual_periodicity: str = ""
    issued: dt.datetime | None = None
    modified: dt.datetime | None = None
    landing_page: str = ""
    conforms_to: str = ""
    legal_basis: str = ""
    language: str = "de"
    distributions: list[HarvestedDistribution] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skip_reason: str = ""


# --- parsing ------------------------------------------------------------------------------------------


def _sniff(data: bytes) -> InputFormat:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "xml" if head.startswith(b"<") else "turtle"


def load_graph(data: bytes, fmt: InputFormat | None = None) -> rdflib.Graph:
    """Parse RDF/XML or Turtle; invalid or unsafe input raises ``InvalidInput`` with the parser's reason."""
    fmt = fmt or _sniff(data)
    if fmt not in ("xml", "turtle"):
        raise InvalidInput(f"Nicht unterstütztes RDF-Format '{fmt}' (erlaubt: RDF/XML, Turtle).")
    if fmt == "xml":
        try:
            safe_xml(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        except DefusedXmlException as exc:
            raise InvalidInput(f"RDF/XML abgelehnt: DOCTYPE und Entitäten sind nicht erlaubt ({exc}).") from exc
        except Exception as exc:
            raise InvalidInput(f"Ungültiges RDF/XML: {exc}") from exc
    graph = rdflib.Graph()
    try:
        graph.parse(data=data, format=fmt)
    except Exception as exc:
        label = "RDF/XML" if fmt == "xml" else "Turtle"
        raise InvalidInput(f"Ungültiges {label}: {str(exc).strip()[:500]}") from exc
    return graph


def _pick(values: Iterable[Node], lang: str = "de") -> str:
    """One literal text: the ``lang`` one, else untagged, else English, else any."""
    ranked: list[tuple[int, str]] = []
    for value in values:
        if not isinstance(value, rdflib.Literal):
            continue
        tag = (value.language or "").lower()
        rank = 0 if tag.startswith(lang) else 1 if not tag else 2 if tag.startswith("en") else 3
        ranked.append((rank, _CONTROL.sub("", str(value)).strip()))
    ranked = [r for r in ranked if r[1]]
    return min(ranked)[1] if ranked else ""


def _de(name: str) -> tuple[rdflib.URIRef, ...]:
    return tuple(ns[name] for ns in DCATDE_ALL)


def _text(g: rdflib.Graph, s: Node, *preds: rdflib.URIRef) -> str:
    for pred in preds:
        value = _pick(g.objects(s, pred))
        if value:
            return value
    return ""


def _ref(g: rdflib.Graph, s: Node, *preds: rdflib.URIRef) -> str:
    """An IRI value (or a literal holding a URL), for link-like properties."""
    for pred in preds:
        for value in g.objects(s, pred):
            text = _CONTROL.sub("", str(value)).strip()
            if isinstance(value, rdflib.URIRef | rdflib.Literal) and text:
                return text
    return ""


def _datetime(value: Node | None) -> dt.datetime | None:
    if not isinstance(value, rdflib.Literal):
        return None
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            parsed = dt.datetime(int(text), 1, 1)
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            parsed = dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        else:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def _date(value: Node | None) -> dt.date | None:
    if isinstance(value, rdflib.URIRef | rdflib.BNode):
        return None
    parsed = _datetime(value)
    return parsed.date() if parsed else None


def _first(g: rdflib.Graph, s: Node, *preds: rdflib.URIRef) -> Node | None:
    for pred in preds:
        for value in g.objects(s, pred):
            return value
    return None


def license_from(value: str) -> str | None:
    """Our licence id for a licence IRI/URL/legacy id, or None when it is not in the DCAT-AP.de vocabulary."""
    value = value.strip()
    if not value:
        return None
    found = license_id_from_iri(value) or license_id_from_iri(re.sub(r"/(\d+)_(\d+)/?$", r"/\1.\2", value))
    if found:  # the second try reads the DCAT-AP.de 1.0 spelling "dl-by-de/2_0"
        return found
    key = value.rstrip("/")
    for prefix in LICENSE_URL_PREFIXES:
        if key.lower().startswith(prefix):
            key = key[len(prefix) :]
    key = key.removeprefix("www.").lower()
    return LICENSE_ALIASES.get(key) or LICENSE_ALIASES.get(key.rsplit("/", 1)[-1])


def _code(value: str, base: str, known: Iterable[str]) -> str:
    for prefix in (base, base.replace("http://", "https://")):
        if value.startswith(prefix):
            code = value[len(prefix) :].strip("/")
            return code if code in known else ""
    return ""


def _format(g: rdflib.Graph, dist: Node) -> tuple[str, str]:
    raw_format = _ref(g, dist, DCTERMS.format)
    raw_media = _ref(g, dist, DCAT.mediaType)
    media = re.sub(r"^https?://www\.iana\.org/assignments/media-types/", "", raw_media).strip().lower()
    if raw_format.startswith(("http://", "https://")):
        code = _code(raw_format, FILE_TYPE_BASE, FILE_TYPES)
        if not code:
            node = rdflib.URIRef(raw_format)
            raw_format = _text(g, node, rdflib.RDFS.label) if (node, None, None) in g else ""
    else:
        code = ""
    if not code and raw_format:
        guess = raw_format.strip().upper().replace("-", "_").replace(" ", "_")
        by_media = {mt: c for c, (mt, *_rest) in FILE_TYPES.items()}
        code = guess if guess in FILE_TYPES else by_media.get(raw_format.strip().lower(), "")
    if not code and media:
        code = next((c for c, (mt, *_rest) in FILE_TYPES.items() if mt == media), "")
    if not re.fullmatch(r"[\w.+-]+/[\w.+-]+", media):
        media = FILE_TYPES[code][0] if code else ""
    return code, media[:120]


def _distribution(g: rdflib.Graph, node: Node, warnings: list[str]) -> HarvestedDistribution | None:
    access = _ref(g, node, DCAT.accessURL)
    download = _ref(g, node, DCAT.downloadURL)
    if not access and not download:
        warnings.append("Distribution ohne accessURL ausgelassen")
        return None
    code, media = _format(g, node)
    size = _first(g, node, DCAT.byteSize)
    try:
        byte_size = int(float(str(size))) if isinstance(size, rdflib.Literal) else None
    except ValueError:
        byte_size = None
    licence_ref = _ref(g, node, DCTERMS.license)
    licence = license_from(licence_ref)
    if licence_ref and licence is None:
        warnings.append(f"Unbekannte Lizenz {licence_ref}: Distribution ohne Lizenz übernommen")
    return HarvestedDistribution(
        access_url=(access or download)[:1000],
        download_url=download[:1000],
        title=_text(g, node, DCTERMS.title)[:500],
        description=_text(g, node, DCTERMS.description),
        format=code,
        media_type=media,
        byte_size=byte_size if byte_size is None or byte_size >= 0 else None,
        license_id=licence,
        issued=_datetime(_first(g, node, DCTERMS.issued)),
        modified=_datetime(_first(g, node, DCTERMS.modified)),
    )


def _email(g: rdflib.Graph, node: Node) -> str:
    for pred in (VCARD.hasEmail, FOAF.mbox, *_de("maintainerEmail")):
        for value in g.objects(node, pred):
            if isinstance(value, rdflib.BNode):
                value = _first(g, value, VCARD.hasValue) or value
            text = str(value).strip().removeprefix("mailto:")
            if "@" in text and len(text) <= 254:
                return text
    return ""


def _contact(g: rdflib.Graph, s: Node, hd: HarvestedDataset) -> None:
    for node in [*g.objects(s, DCAT.contactPoint), *(n for p in _de("maintainer") for n in g.objects(s, p))]:
        hd.contact_name = _text(g, node, VCARD.fn, VCARD["organization-name"], FOAF.name)[:300]
        hd.contact_email = _email(g, node)
        url = _ref(g, node, VCARD.hasURL, FOAF.homepage)
        hd.contact_url = url[:500] if url.startswith(("http://", "https://")) else ""
        if hd.contact_email or hd.contact_url:
            return


def _temporal(g: rdflib.Graph, s: Node, hd: HarvestedDataset) -> None:
    for node in g.objects(s, DCTERMS.temporal):
        start = _first(g, node, DCAT.startDate, SCHEMA.startDate)
        end = _first(g, node, DCAT.endDate, SCHEMA.endDate)
        if start is None and (begin := _first(g, node, TIME.hasBeginning)) is not None:
            start = _first(g, begin, TIME.inXSDDateTime, TIME.inXSDDate, TIME.inXSDDateTimeStamp)
        if end is None and (finish := _first(g, node, TIME.hasEnd)) is not None:
            end = _first(g, finish, TIME.inXSDDateTime, TIME.inXSDDate, TIME.inXSDDateTimeStamp)
        hd.temporal_start, hd.temporal_end = _date(start), _date(end)
        if hd.temporal_start or hd.temporal_end:
            return


def _keywords(g: rdflib.Graph, s: Node) -> list[str]:
    words = [w for w in g.objects(s, DCAT.keyword) if isinstance(w, rdflib.Literal)]
    german = [w for w in words if (w.language or "de").lower().startswith("de")]
    seen: dict[str, str] = {}
    for word in german or words:
        text = str(word).strip()
        if text and len(text) <= 100:
            seen.setdefault(text.casefold(), text)
    return sorted(seen.values(), key=str.casefold)[:50]


def _frequency(value: str) -> str:
    code = _code(value, FREQUENCY_BASE, FREQUENCIES)
    if not code and value.startswith("http://purl.org/cld/freq/"):
        code = OLD_FREQUENCIES.get(value.rsplit("/", 1)[-1], "")
    return code


def _language(g: rdflib.Graph, s: Node) -> str:
    value = _ref(g, s, DCTERMS.language)
    if value.startswith(terms.LANGUAGE_BASE):
        return LANGUAGE_CODES.get(value.rsplit("/", 1)[-1], "de")
    return value.lower() if value.lower() in terms.LANGUAGES else "de"


def _identifier(iri: str, given: str) -> str:
    if given and len(given) <= 200:
        return given
    source = given or iri
    return source if len(source) <= 200 else "harvest-" + hashlib.sha256(source.encode()).hexdigest()


def _dataset(g: rdflib.Graph, s: Node) -> HarvestedDataset:
    iri = str(s) if isinstance(s, rdflib.URIRef) else ""
    title = _text(g, s, DCTERMS.title)
    hd = HarvestedDataset(
        iri=iri[:1000],
        identifier=_identifier(iri, _text(g, s, DCTERMS.identifier)),
        title=title[:500],
        description=_text(g, s, DCTERMS.description)[:20000] or title,
    )
    if not iri:
        hd.skip_reason = "Datensatz ohne IRI (leerer Knoten) kann nicht abgeglichen werden"
    elif len(title) < 1:
        hd.skip_reason = "Datensatz ohne Titel (dct:title)"
    hd.keywords = _keywords(g, s)
    hd.themes = sorted({c for t in g.objects(s, DCAT.theme) if (c := _code(str(t), THEME_BASE, EU_THEMES))})
    publisher = _first(g, s, DCTERMS.publisher)
    if publisher is not None:
        hd.publisher_name = _text(g, publisher, FOAF.name, VCARD.fn, rdflib.RDFS.label)[:300]
        homepage = _ref(g, publisher, FOAF.homepage) or (str(publisher) if isinstance(publisher, rdflib.URIRef) else "")
        hd.publisher_uri = homepage[:500]
    _contact(g, s, hd)
    _temporal(g, s, hd)
    hd.accrual_periodicity = _frequency(_ref(g, s, DCTERMS.accrualPeriodicity))
    hd.access_rights = _code(_ref(g, s, DCTERMS.accessRights), ACCESS_RIGHT_BASE, ACCESS_RIGHTS)
    hd.issued = _datetime(_first(g, s, DCTERMS.issued))
    hd.modified = _datetime(_first(g, s, DCTERMS.modified))
    hd.landing_page = _ref(g, s, DCAT.landingPage)[:500]
    hd.conforms_to = _ref(g, s, DCTERMS.conformsTo)[:500]
    hd.legal_basis = (_ref(g, s, DCATAP.applicableLegislation) or _text(g, s, *_de("legalBasis")))[:500]
    hd.contributor_id = _ref(g, s, *_de("contributorID"))
    hd.language = _language(g, s)
    for node in g.objects(s, DCAT.distribution):
        dist = _distribution(g, node, hd.warnings)
        if dist:
            hd.distributions.append(dist)
    hd.distributions.sort(key=lambda d: (d.access_url, d.download_url, d.title))
    attribution = [_text(g, n, *_de("licenseAttributionByText")) for n in [s, *g.objects(s, DCAT.distribution)]]
    hd.license_attribution = next((a for a in attribution if a), "")
    dataset_licence = _ref(g, s, DCTERMS.license)
    hd.license_id = license_from(dataset_licence) or next(
        (d.license_id for d in hd.distributions if d.license_id), None
    )
    if dataset_licence and license_from(dataset_licence) is None:
        hd.warnings.append(f"Unbekannte Lizenz {dataset_licence}: Datensatz ohne Lizenz übernommen")
    for dist in hd.distributions:  # DCAT-AP.de 1.x often states the licence once, on the dataset
        dist.license_id = dist.license_id or hd.license_id
    return hd


def read_catalog(graph: rdflib.Graph) -> tuple[list[HarvestedDataset], str | None]:
    """The datasets of a parsed catalogue (typed ``dcat:Dataset`` or linked by ``dcat:dataset``) and the
    address of its next page (hydra:next, or the older hydra:nextPage) if it is paged."""
    subjects = set(graph.subjects(RDF.type, DCAT.Dataset)) | set(graph.objects(None, DCAT.dataset))
    datasets = sorted((_dataset(graph, s) for s in subjects), key=lambda d: d.iri)
    following = _ref_any(graph, HYDRA.next, HYDRA.nextPage)
    return datasets, following


def _ref_any(graph: rdflib.Graph, *preds: rdflib.URIRef) -> str | None:
    for pred in preds:
        for value in graph.objects(None, pred):
            return str(value)
    return None


def parse_catalog(data: bytes, fmt: InputFormat | None = None) -> list[HarvestedDataset]:
    """All datasets of one DCAT catalogue document (one page, if the source is paged)."""
    return read_catalog(load_graph(data, fmt))[0]


__all__ = [
    "HarvestedDataset",
    "HarvestedDistribution",
    "license_from",
    "load_graph",
    "parse_catalog",
    "read_catalog",
]

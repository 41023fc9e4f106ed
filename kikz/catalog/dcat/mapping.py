"""Mapping catalogue rows to DCAT-AP.de 3.0 resources (datasets, distributions, catalogue).

Decisions (see docs/dcat.md):
* every node is typed explicitly, and each controlled term used (theme, licence, format, ...) is described
  once per output with its classes and label, so the DCAT-AP class constraints hold without inference;
* a distribution without any licence is exported with ``other-closed`` (DCAT-AP.de requires a licence, and
  without one no open licence has been granted);
* ``dcatde:contributorID`` is the state portal the city delivers through (Hessian cities: ``hessen``);
* the deprecated ``dcatde:politicalGeocodingURI`` and ``dcatde:legalBasis`` are not written; the regional key
  goes into ``dct:spatial``, a legal basis given as IRI into ``dcatap:applicableLegislation``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from kikz.catalog.dcat import terms
from kikz.catalog.dcat.rdfwriter import IRI, Lit, Node, Object, Resource, iri, text
from kikz.catalog.vocabularies import (
    ACCESS_RIGHTS,
    EU_THEMES,
    FILE_TYPES,
    FREQUENCIES,
    HVD_CATEGORIES,
    HVD_CATEGORY_BASE,
    HVD_LEGISLATION,
)

LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8})*")
MEDIA_TYPE = re.compile(r"[\w.+-]+/[\w.+-]+")
PLATFORM_NAME = "Smart-KIKZ-Kommunen"
# Loosely typed on purpose: SQLAlchemy 2.0 and 2.1 spell the generics of Row and Select differently.
DbRow = Any


@dataclass(frozen=True, slots=True)
class City:
    id: int
    slug: str
    name: str
    official_name: str
    ars: str
    email: str
    website: str


@dataclass(frozen=True, slots=True)
class LicenceInfo:
    iri: str
    title: str
    attribution_required: bool


@dataclass(frozen=True, slots=True)
class DataServiceInfo:
    """An API through which a dataset's data can be queried (``dcat:DataService``), described by the domain that
    runs it (the SensorThings API of a sensor network: ``kikz.sensors.network``)."""

    key: str
    """IRI fragment, unique within the dataset (the service is ``{dataset}#{key}``)."""
    title: str
    description: str
    endpoint_url: str
    endpoint_description: str
    conforms_to: str
    conforms_to_label: str
    documentation: str = ""
    fmt: str = "JSON"
    keywords: tuple[str, ...] = ()


@dataclass
class ExportContext:
    base_url: str
    cities: dict[int, City]
    licences: dict[str, LicenceInfo]
    pending_terms: dict[str, Resource] = field(default_factory=dict)
    written_terms: set[str] = field(default_factory=set)
    # The licence statements of a distribution repeat across thousands of rows: built once per combination.
    _licence_cache: dict[tuple[str | None, str, str], list[tuple[str, Object]]] = field(default_factory=dict)
    nodes: dict[tuple[object, ...], Node | None] = field(default_factory=dict)

    @property
    def availability(self) -> IRI:
        code = terms.DEFAULT_AVAILABILITY
        return self.term(terms.AVAILABILITY_BASE + code, ["skos:Concept"], terms.AVAILABILITY[code])

    def licence_props(self, licence_id: str | None, attribution: str, lang: str) -> list[tuple[str, Object]]:
        """dct:license (``other-closed`` when there is none), attribution text and dct:rights."""
        key = (licence_id, attribution, lang)
        cached = self._licence_cache.get(key)
        if cached is not None:  # its licence term was registered when it was built
            return cached
        licence = self.licences.get(licence_id or "") or self.licences.get(terms.CLOSED_LICENSE)
        if licence is None:  # the licence table is empty: refer to the vocabulary directly
            licence = LicenceInfo(terms.license_iri(terms.CLOSED_LICENSE), "Andere geschlossene Lizenz", False)
        types = ["dct:LicenseDocument", "skos:Concept"]
        props: list[tuple[str, Object]] = [("dct:license", self.term(licence.iri, types, licence.title))]
        rights = f"Lizenz: {licence.title}"
        if licence.attribution_required:
            props.append(("dcatde:licenseAttributionByText", text(attribution, lang)))
            rights += f"; Namensnennung: {attribution}"
        props.append(("dct:rights", Node(["dct:RightsStatement"], [("rdfs:label", text(rights, "de"))])))
        self._licence_cache[key] = props
        return props

    def term(self, value: str, types: Sequence[str], label: str | None = None, lang: str = "de") -> IRI:
        """Use a controlled term; it is described (classes, label) once in the output."""
        node = IRI(value)
        if value not in self.written_terms and value not in self.pending_terms:
            props: list[tuple[str, Object]] = [("skos:prefLabel", text(label, lang))] if label else []
            self.pending_terms[value] = Resource(node, list(types), props)
        return node

    def flush_terms(self) -> list[Resource]:
        out = list(self.pending_terms.values())
        self.written_terms.update(self.pending_terms)
        self.pending_terms.clear()
        return out

    def dataset_iri(self, name: str) -> IRI:
        return IRI(f"{self.base_url}/datensaetze/{quote(name, safe='')}")


def _datetime(value: dt.datetime | None) -> Lit | None:
    if value is None:
        return None
    if value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    if value.microsecond:
        value = value.replace(microsecond=0)
    return Lit(value.isoformat(), datatype="xsd:dateTime")


def _date(value: dt.date | None) -> Lit | None:
    return Lit(value.isoformat(), datatype="xsd:date") if value else None


def _publisher(row: DbRow, city: City, ctx: ExportContext) -> Node:
    key = ("publisher", row.publisher_name, row.publisher_uri, row.harvest_source_id is None, city.id)
    cached = ctx.nodes.get(key)
    if cached is None:
        cached = ctx.nodes[key] = _new_publisher(row, city, ctx)
    return cached


def _new_publisher(row: DbRow, city: City, ctx: ExportContext) -> Node:
    name = row.publisher_name or city.official_name or city.name
    props: list[tuple[str, Object]] = [("foaf:name", text(name))]
    homepage = iri(row.publisher_uri)
    if homepage:
        props.append(("foaf:homepage", homepage))
    if row.harvest_source_id is None:  # our own datasets are published by the city itself
        kind = terms.PUBLISHER_TYPE_BASE + "LocalAuthority"
        props.append(("dct:type", ctx.term(kind, ["skos:Concept"], "Local Authority", "en")))
    return Node(["foaf:Organization", "foaf:Agent"], props)


def _contact_point(row: DbRow, city: City, ctx: ExportContext) -> Node | None:
    key = ("contact", row.contact_name, row.contact_email, row.contact_url, row.publisher_name, city.id)
    if key not in ctx.nodes:
        ctx.nodes[key] = _new_contact_point(row, city)
    return ctx.nodes[key]


def _new_contact_point(row: DbRow, city: City) -> Node | None:
    email = (row.contact_email or city.email).strip()
    url = iri(row.contact_url) or (None if email else iri(city.website))
    props: list[tuple[str, Object]] = [("vcard:fn", text(row.contact_name or row.publisher_name or city.name))]
    if email:
        mail = iri("mailto:" + email.removeprefix("mailto:"))
        if mail:
            props.append(("vcard:hasEmail", mail))
    if url:
        props.append(("vcard:hasURL", url))
    if len(props) == 1:
        return None
    return Node(["vcard:Organization", "vcard:Kind"], props)


def _attribution(row: DbRow, city: City) -> str:
    name = row.publisher_name or city.official_name or city.name
    return f"{name} ({row.issued.year})" if row.issued else name


def distribution_resource(
    d: DbRow, row: DbRow, city: City, ctx: ExportContext, dataset_iri: IRI, lang: str
) -> Resource:
    stored = d.checksum_sha256 is not None and not d.access_url
    download: IRI | None
    if stored:
        download = IRI(f"{ctx.base_url}/dateien/{quote(d.identifier, safe='')}/{quote(d.file_name, safe='')}")
        access = download
    else:
        access = iri(d.access_url) or iri(d.download_url) or iri(row.landing_page) or dataset_iri
        download = iri(d.download_url)
    props: list[tuple[str, Object]] = [
        ("dct:title", text(d.title or d.file_name or row.title, lang)),
        ("dcat:accessURL", access),
    ]
    if d.description:
        props.append(("dct:description", text(d.description, lang)))
    if download:
        props.append(("dcat:downloadURL", download))
    if d.format in FILE_TYPES:
        fmt = ctx.term(terms.file_type_iri(d.format), ["dct:MediaTypeOrExtent", "skos:Concept"], d.format, "en")
        props.append(("dct:format", fmt))
    media = d.media_type or (FILE_TYPES[d.format][0] if d.format in FILE_TYPES else "")
    if MEDIA_TYPE.fullmatch(media):
        props.append(("dcat:mediaType", ctx.term(terms.media_type_iri(media), ["dct:MediaType"])))
    if d.byte_size is not None and d.byte_size >= 0:
        props.append(("dcat:byteSize", Lit(str(d.byte_size), datatype="xsd:nonNegativeInteger")))
    if stored:
        algorithm = ctx.term(terms.SHA256, ["spdx:ChecksumAlgorithm"])
        checksum = Lit(d.checksum_sha256, datatype="xsd:hexBinary")
        props.append(
            (
                "spdx:checksum",
                Node(["spdx:Checksum"], [("spdx:algorithm", algorithm), ("spdx:checksumValue", checksum)]),
            )
        )
    props.extend(ctx.licence_props(d.license_id or row.license_id, _attribution(row, city), lang))
    props.append(("dcatap:availability", ctx.availability))
    for pred, value in (("dct:issued", _datetime(d.issued)), ("dct:modified", _datetime(d.modified))):
        if value:
            props.append((pred, value))
    return Resource(IRI(f"{dataset_iri}#distribution-{quote(d.identifier, safe='')}"), ["dcat:Distribution"], props)


def _service_resources(
    service: DataServiceInfo, row: DbRow, city: City, ctx: ExportContext, dataset_iri: IRI, lang: str
) -> tuple[Resource, Resource]:
    """The ``dcat:DataService`` serving the dataset and the distribution that reaches it (``dcat:accessService``)."""
    subject = IRI(f"{dataset_iri}#{quote(service.key, safe='')}")
    endpoint = IRI(service.endpoint_url)
    code = terms.access_right(row.access_rights, row.protection_class)
    rights = ctx.term(terms.access_right_iri(code), ["dct:RightsStatement", "skos:Concept"], ACCESS_RIGHTS[code])
    licence = [p for p in ctx.licence_props(row.license_id, _attribution(row, city), lang) if p[0] == "dct:license"]
    props: list[tuple[str, Object]] = [
        ("dct:title", text(service.title, lang)),
        ("dct:description", text(service.description, lang)),
        ("dcat:endpointURL", endpoint),
        ("dcat:endpointDescription", IRI(service.endpoint_description)),
        ("dct:conformsTo", ctx.term(service.conforms_to, ["dct:Standard"], service.conforms_to_label, "en")),
        ("dcat:servesDataset", dataset_iri),
        ("dct:publisher", _publisher(row, city, ctx)),
        ("dct:accessRights", rights),
        *licence,
        ("dcatap:availability", ctx.availability),
    ]
    props.extend(("dcat:keyword", text(kw, lang)) for kw in service.keywords)
    contact = _contact_point(row, city, ctx)
    if contact:
        props.append(("dcat:contactPoint", contact))
    if service.documentation:
        props.append(("foaf:page", ctx.term(service.documentation, ["foaf:Document"])))
    api: list[tuple[str, Object]] = [
        ("dct:title", text(service.title, lang)),
        ("dct:description", text(service.description, lang)),
        ("dcat:accessURL", endpoint),
        ("dcat:accessService", subject),
    ]
    if service.fmt in FILE_TYPES:
        fmt = ctx.term(terms.file_type_iri(service.fmt), ["dct:MediaTypeOrExtent", "skos:Concept"], service.fmt, "en")
        api.append(("dct:format", fmt))
        api.append(("dcat:mediaType", ctx.term(terms.media_type_iri(FILE_TYPES[service.fmt][0]), ["dct:MediaType"])))
    api.extend(ctx.licence_props(row.license_id, _attribution(row, city), lang))
    api.append(("dcatap:availability", ctx.availability))
    distribution = Resource(IRI(f"{subject}-zugang"), ["dcat:Distribution"], api)
    return Resource(subject, ["dcat:DataService"], props), distribution


def dataset_resources(
    row: DbRow, dists: Sequence[DbRow], ctx: ExportContext, services: Sequence[DataServiceInfo] = ()
) -> list[Resource]:
    """The dataset, its distributions and the APIs serving it as DCAT-AP.de 3.0 resources."""
    city = ctx.cities[row.municipality_id]
    lang = (row.language or "").lower()
    if not LANGUAGE_TAG.fullmatch(lang):
        lang = "de"
    subject = ctx.dataset_iri(row.name)
    props: list[tuple[str, Object]] = [
        ("dct:title", text(row.title, lang)),
        ("dct:description", text(row.description or row.title, lang)),
        ("dct:identifier", text(row.identifier)),
    ]
    props.extend(("dcat:keyword", text(kw, lang)) for kw in row.keywords or [] if kw)
    for code in row.themes or []:
        if code in EU_THEMES:
            props.append(("dcat:theme", ctx.term(terms.theme_iri(code), ["skos:Concept"], EU_THEMES[code][0])))
    props.append(("dct:publisher", _publisher(row, city, ctx)))
    contact = _contact_point(row, city, ctx)
    if contact:
        props.append(("dcat:contactPoint", contact))
    if city.ars:
        props.append(("dct:spatial", ctx.term(terms.regional_key_iri(city.ars), ["dct:Location"])))
        level = terms.geocoding_level_iri("municipality")
        props.append(("dcatde:politicalGeocodingLevelURI", ctx.term(level, ["skos:Concept"], "Gemeinde")))
        contributor = terms.contributor_for(city.ars)
        if contributor:
            props.append(("dcatde:contributorID", IRI(contributor)))
    if row.temporal_start or row.temporal_end:
        period: list[tuple[str, Object]] = []
        for pred, date in (
            ("dcat:startDate", _date(row.temporal_start)),
            ("dcat:endDate", _date(row.temporal_end)),
        ):
            if date:
                period.append((pred, date))
        props.append(("dct:temporal", Node(["dct:PeriodOfTime"], period)))
    if row.accrual_periodicity in FREQUENCIES:
        code = row.accrual_periodicity
        freq = ctx.term(terms.frequency_iri(code), ["dct:Frequency", "skos:Concept"], FREQUENCIES[code])
        props.append(("dct:accrualPeriodicity", freq))
    for pred, value in (("dct:issued", _datetime(row.issued)), ("dct:modified", _datetime(row.modified))):
        if value:
            props.append((pred, value))
    landing = iri(row.landing_page)
    if landing:
        props.append(("dcat:landingPage", ctx.term(landing, ["foaf:Document"])))
    code = terms.access_right(row.access_rights, row.protection_class)
    rights = ctx.term(terms.access_right_iri(code), ["dct:RightsStatement", "skos:Concept"], ACCESS_RIGHTS[code])
    props.append(("dct:accessRights", rights))
    props.append(("dcatap:availability", ctx.availability))
    language = terms.language_iri(lang)
    if language:
        label = terms.LANGUAGES[lang][1]
        props.append(("dct:language", ctx.term(language, ["dct:LinguisticSystem", "skos:Concept"], label)))
    conforms = iri(row.conforms_to)
    if conforms:
        props.append(("dct:conformsTo", ctx.term(conforms, ["dct:Standard"])))
    legislation = iri(row.legal_basis)
    if legislation:
        props.append(("dcatap:applicableLegislation", ctx.term(legislation, ["eli:LegalResource"])))
    hvd = getattr(row, "hvd_category", "")  # set by the categorisation (kikz.governance.categorisation)
    if hvd in HVD_CATEGORIES:
        if legislation != HVD_LEGISLATION:
            props.append(("dcatap:applicableLegislation", ctx.term(HVD_LEGISLATION, ["eli:LegalResource"])))
        label = HVD_CATEGORIES[hvd][0]
        props.append(("dcatap:hvdCategory", ctx.term(HVD_CATEGORY_BASE + hvd, ["skos:Concept"], label)))
    out = [Resource(subject, ["dcat:Dataset"], props)]
    for d in dists:
        dist = distribution_resource(d, row, city, ctx, subject, lang)
        props.append(("dcat:distribution", dist.subject))
        out.append(dist)
    for service in services:
        data_service, access = _service_resources(service, row, city, ctx, subject, lang)
        props.append(("dcat:distribution", access.subject))
        out.extend((access, data_service))
    return out


def catalog_resource(ctx: ExportContext, subject: IRI, city: City | None) -> Resource:
    if city:
        title = f"Offene Daten – {city.name}"
        description = f"Datenkatalog von {city.official_name or city.name} (DCAT-AP.de 3.0)."
        publisher = city.official_name or city.name
        homepage = IRI(f"{ctx.base_url}/kommunen/{quote(city.slug, safe='')}")
    else:
        title = f"Offene Daten der {PLATFORM_NAME}"
        description = "Gemeinsamer Datenkatalog der Smart-KIKZ-Kommunen in Hessen (DCAT-AP.de 3.0)."
        publisher = PLATFORM_NAME
        homepage = IRI(ctx.base_url + "/")
    props: list[tuple[str, Object]] = [
        ("dct:title", text(title, "de")),
        ("dct:description", text(description, "de")),
        ("dct:publisher", Node(["foaf:Organization", "foaf:Agent"], [("foaf:name", text(publisher))])),
        ("foaf:homepage", ctx.term(homepage, ["foaf:Document"])),
        (
            "dct:language",
            ctx.term(terms.LANGUAGE_BASE + "DEU", ["dct:LinguisticSystem", "skos:Concept"], "Deutsch"),
        ),
    ]
    if city and city.ars:
        props.append(("dct:spatial", ctx.term(terms.regional_key_iri(city.ars), ["dct:Location"])))
    return Resource(subject, ["dcat:Catalog"], props)

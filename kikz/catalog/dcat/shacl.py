"""SHACL validation against the official DCAT-AP.de 3.0 shapes, offline.

Shapes: DCAT-AP 3.0.1 (SEMIC: ``dcat-ap-SHACL.ttl`` + ``ranges.ttl``) overlaid with the GovData DCAT-AP.de 3.0
files (German additions, controlled vocabularies, deprecations, and ``dcat-ap-SHACL-DE.ttl``). The DE overlay
re-labels and deactivates DCAT-AP shapes by IRI, written against DCAT-AP 3.0.0; 3.0.1 keeps the same shape
hashes under a new base IRI, so the overlay is re-based onto 3.0.1 (the few it names
that 3.0.1 does not define are skipped). ``dcat-ap-de-imports.ttl`` only lists remote imports and is not read.

Vocabularies (needed in the *data* graph, because the checks follow ``skos:inScheme`` of the used concepts):
the DCAT-AP.de licences and contributors from the shipped RDF files; the EU authority tables (data theme,
file type, access right, frequency, planned availability, language) and the DCAT-AP.de geocoding levels and
ADMS publisher types built as SKOS concept schemes from our code lists (``terms.EU_SCHEMES``). A code outside
those lists is reported like an unknown code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import rdflib
from rdflib.namespace import DCTERMS, RDF, SH, SKOS

from kikz.catalog.dcat.terms import EU_SCHEMES, expand
from kikz.catalog.vocabularies import VOCAB_DIR

SHAPES_DIR = VOCAB_DIR / "shacl"
DCAT_AP_300 = "https://semiceu.github.io/DCAT-AP/releases/3.0.0/shacl/dcat-ap-SHACL.ttl#"
DCAT_AP_301 = "https://semiceu.github.io/DCAT-AP/releases/3.0.1#"
DE_FILES = (
    "dcat-ap-de-3.0/dcat-ap-spec-german-additions.ttl",
    "dcat-ap-de-3.0/dcat-ap-de-controlledvocabularies.ttl",
    "dcat-ap-de-3.0/dcat-ap-de-deprecated.ttl",
)


@dataclass(frozen=True)
class Finding:
    severity: str  # "Violation", "Warning" or "Info"
    focus: str
    path: str
    value: str
    message: str
    shape: str

    def __str__(self) -> str:
        return f"[{self.severity}] {self.focus} {self.path} = {self.value}: {self.message}"


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    def summary(self, limit: int = 30) -> str:
        lines = [str(f) for f in (self.violations + self.warnings)[:limit]]
        more = len(self.violations) + len(self.warnings) - limit
        if more > 0:
            lines.append(f"... und {more} weitere")
        return "\n".join(lines) or "keine Befunde"


def _rebase_de_overlay(shapes: rdflib.Graph) -> None:
    overlay = rdflib.Graph().parse(SHAPES_DIR / "dcat-ap-de-3.0/dcat-ap-SHACL-DE.ttl", format="turtle")
    defined = set(shapes.subjects(SH.path, None))
    for s, p, o in overlay:
        if isinstance(s, rdflib.URIRef) and str(s).startswith(DCAT_AP_300):
            s = rdflib.URIRef(DCAT_AP_301 + str(s)[len(DCAT_AP_300) :])
            if s not in defined:  # a shape 3.0.1 dropped (or only references): nothing to re-label
                continue
            if p == SH.severity:  # the DE profile sets the severity; do not leave two
                shapes.remove((s, SH.severity, None))
        shapes.add((s, p, o))


@lru_cache(maxsize=1)
def shapes_graph() -> rdflib.Graph:
    """All shapes, parsed once per process."""
    shapes = rdflib.Graph()
    for name in ("dcat-ap-3.0.1/dcat-ap-SHACL.ttl", "dcat-ap-3.0.1/ranges.ttl", *DE_FILES):
        shapes.parse(SHAPES_DIR / name, format="turtle")
    # ranges.ttl refers to five property shapes that no shipped file defines (vocabulary checks of the SEMIC
    # release); DCAT-AP.de deactivates all five, and pyshacl refuses undefined shapes, so the links go.
    defined = set(shapes.subjects(SH.path, None))
    for node_shape, prop in list(shapes.subject_objects(SH.property)):
        if prop not in defined and isinstance(prop, rdflib.URIRef):
            shapes.remove((node_shape, SH.property, prop))
    _rebase_de_overlay(shapes)
    return shapes


@lru_cache(maxsize=1)
def vocabulary_graph() -> rdflib.Graph:
    """The controlled vocabularies as SKOS concept schemes, parsed/built once per process."""
    graph = rdflib.Graph()
    graph.parse(VOCAB_DIR / "dcat-ap-de-licenses-open.rdf", format="xml")
    graph.parse(VOCAB_DIR / "dcat-ap-de-contributors.rdf", format="xml")
    for scheme_iri, base, codes, classes in EU_SCHEMES:
        scheme = rdflib.URIRef(scheme_iri)
        graph.add((scheme, RDF.type, SKOS.ConceptScheme))
        graph.add((scheme, DCTERMS.title, rdflib.Literal(scheme_iri.rsplit("/", 1)[-1])))
        for code, label in codes.items():
            concept = rdflib.URIRef(base + code)
            for klass in classes:
                graph.add((concept, RDF.type, rdflib.URIRef(expand(klass))))
            graph.add((concept, SKOS.prefLabel, rdflib.Literal(label, lang="de")))
            graph.add((concept, SKOS.inScheme, scheme))
            graph.add((concept, SKOS.notation, rdflib.Literal(code)))
    return graph


def _text(graph: rdflib.Graph, node: Any, prop: rdflib.URIRef) -> str:
    value = graph.value(node, prop)
    return "" if value is None else str(value)


def _messages(report: rdflib.Graph, result: Any) -> str:
    messages = list(report.objects(result, SH.resultMessage))
    german = [m for m in messages if getattr(m, "language", None) == "de"]
    chosen = german or messages
    return str(chosen[0]) if chosen else ""


def validate(graph: rdflib.Graph) -> ValidationReport:
    """Validate a DCAT graph offline; ``conforms`` is false only for findings of severity Violation."""
    from pyshacl import validate as shacl_validate

    data = rdflib.Graph()
    for triple in graph:
        data.add(triple)
    for triple in vocabulary_graph():
        data.add(triple)
    _conforms, report, _text_report = shacl_validate(
        data,
        shacl_graph=shapes_graph(),
        inference="none",
        do_owl_imports=False,
        allow_warnings=True,
        allow_infos=True,
        inplace=True,
    )
    violations: list[Finding] = []
    warnings: list[Finding] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = str(report.value(result, SH.resultSeverity) or SH.Violation).rsplit("#", 1)[-1]
        finding = Finding(
            severity=severity,
            focus=_text(report, result, SH.focusNode),
            path=_text(report, result, SH.resultPath),
            value=_text(report, result, SH.value),
            message=_messages(report, result),
            shape=_text(report, result, SH.sourceShape),
        )
        (violations if severity == "Violation" else warnings).append(finding)
    violations.sort(key=lambda f: (f.focus, f.path))
    warnings.sort(key=lambda f: (f.focus, f.path))
    return ValidationReport(conforms=not violations, violations=violations, warnings=warnings)

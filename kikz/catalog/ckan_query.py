"""CKAN's request language in kikz terms: Solr-style ``q``/``fq`` as search filters; CKAN's error types."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from kikz.catalog import ckan_shapes as shapes

NOT_FOUND, VALIDATION, AUTHORIZATION = "Not Found Error", "Validation Error", "Authorization Error"
STATUS = {NOT_FOUND: 404, VALIDATION: 409, AUTHORIZATION: 403}

# CKAN/Solr field -> kikz search facet, and how a value is normalised on the way.
FIELDS: dict[str, tuple[str, Callable[[str], str]]] = {
    "organization": ("city", str.lower),
    "owner_org": ("city", str.lower),
    "groups": ("theme", shapes.theme_of_group),
    "res_format": ("format", str.upper),
    "license_id": ("license", str.strip),
    "tags": ("tag", str.strip),
}
IGNORED_TERMS = {("dataset_type", "dataset"), ("type", "dataset"), ("state", "active")}
SORTS = {
    "score desc, metadata_modified desc": "relevance",
    "score desc": "relevance",
    "metadata_modified desc": "modified",
    "title_string asc": "title",
}
DEFAULT_SORT = "score desc, metadata_modified desc"
_TERM = re.compile(
    r"(?P<op>[+-]?)(?P<field>[A-Za-z_][A-Za-z0-9_]*):"
    r'(?P<value>"(?:[^"\\]|\\.)*"|\((?:[^()"]|"(?:[^"\\]|\\.)*")*\)|(?:[^\s\\()]|\\.)+)'
)
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"|((?:[^\s"\\]|\\.)+)')
_WORD = re.compile(r"\S+")


class CkanError(Exception):
    def __init__(self, kind: str, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.kind, self.message, self.fields = kind, message, fields or {}


def invalid(name: str, message: str) -> CkanError:
    return CkanError(VALIDATION, f"{name}: {message}", {name: [message]})


@dataclass
class ParsedQuery:
    text: str
    filters: dict[str, list[str]]


def _values(raw: str) -> list[str]:
    """Values of one ``field:value`` term: plain, "quoted" or an OR list in parentheses."""
    inner = raw[1:-1] if raw.startswith("(") else raw
    values = []
    for match in _QUOTED.finditer(inner):
        quoted, plain = match.group(1), match.group(2)
        if quoted is None and raw.startswith("(") and plain in ("OR", "||"):
            continue
        if quoted is None and plain in ("AND", "&&", "NOT"):
            raise invalid("fq", f"nur ODER-Listen in Klammern werden unterstützt / only OR lists: {raw}")
        values.append(re.sub(r"\\(.)", r"\1", quoted if quoted is not None else plain))
    return values


def parse_query(q: str, fq: str) -> ParsedQuery:
    """Free text and facet filters from CKAN's ``q`` and ``fq`` (the Solr syntax CKAN clients use)."""
    filters: dict[str, list[str]] = {}
    text: list[str] = []
    for source, strict in ((fq, True), (q, False)):
        pos = 0
        while pos < len(source):
            if source[pos].isspace():
                pos += 1
                continue
            match = _TERM.match(source, pos)
            word = match.group(0) if match else _WORD.findall(source, pos)[0]
            pos += len(word)
            if match is None:
                if word in ("AND", "&&", "*:*", "*"):
                    continue
                if strict:
                    raise invalid("fq", f"nicht unterstützter Ausdruck / unsupported term: {word}")
                text.append(word)
                continue
            name, raw = match.group("field"), match.group("value")
            if (name, raw.strip('"')) in IGNORED_TERMS:
                continue
            if name not in FIELDS:
                if strict:
                    supported = ", ".join(sorted(FIELDS))
                    raise invalid("fq", f"Feld '{name}' wird nicht unterstützt (unterstützt: {supported})")
                text.append(word)
                continue
            if match.group("op") == "-":
                raise invalid("fq" if strict else "q", f"Ausschlüsse werden nicht unterstützt / no negation: {word}")
            facet, normalise = FIELDS[name]
            values = _values(raw)
            if facet in filters:  # Solr would AND them; kikz filters OR the values of one facet
                raise invalid("fq", f"mehrere Bedingungen für '{name}': bitte {name}:(a OR b) schreiben")
            filters[facet] = [normalise(v) for v in values if v.strip()]
    return ParsedQuery(text=" ".join(text).strip(), filters=filters)

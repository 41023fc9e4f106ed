"""Small, fast streaming RDF writers (Turtle, RDF/XML, JSON-LD) for the catalogue export.

rdflib's serializers build the whole graph in memory and are far too slow for 10,000 datasets, so the export
describes each subject once as a ``Resource`` (blank nodes nested inline) and these writers print it directly.
Predicates and classes are compact names (``dct:title``) over ``terms.PREFIXES``; objects are ``IRI``,
``Lit`` or nested ``Node``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO, Literal, Union
from urllib.parse import quote

from kikz.catalog.dcat.terms import PREFIXES, expand

Format = Literal["turtle", "xml", "json-ld"]

_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S")
_SAFE_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>"{}|^`\\\x7f]+')
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_TTL_SPECIAL = re.compile(r'[\\"\n\r\t]')
_TTL_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_XML_SPECIAL = re.compile(r'[&<>"\r]')
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;"})


class IRI(str):
    """An absolute IRI, already safe to print between angle brackets."""

    __slots__ = ()


def iri(value: str) -> IRI | None:
    """A safe IRI from stored text, or None when it is not absolute (e.g. "www.example.org")."""
    value = value.strip()
    if _SAFE_IRI.fullmatch(value):
        return IRI(value)
    if not value or not _ABSOLUTE.match(value):
        return None
    return IRI(_IRI_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), value))


@dataclass(slots=True)
class Lit:
    value: str
    lang: str | None = None
    datatype: str | None = None  # compact name, e.g. "xsd:dateTime"


def text(value: str, lang: str | None = None) -> Lit:
    """A literal from stored free text. Control characters are dropped: XML 1.0 cannot carry them, and
    dropping them in every format keeps the three outputs identical."""
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    return Lit(value, lang)


@dataclass(slots=True)
class Node:
    """A blank node, always written nested inside the statement that points to it."""

    types: list[str]
    props: list[tuple[str, Object]] = field(default_factory=list)


Object = Union[IRI, Lit, Node]  # noqa: UP007 - a runtime alias used before the classes are complete


@dataclass(slots=True)
class Resource:
    subject: IRI
    types: list[str]
    props: list[tuple[str, Object]] = field(default_factory=list)


MEDIA_TYPES: dict[str, str] = {
    "turtle": "text/turtle; charset=utf-8",
    "xml": "application/rdf+xml; charset=utf-8",
    "json-ld": "application/ld+json; charset=utf-8",
}


def _group(props: list[tuple[str, Object]]) -> dict[str, list[Object]]:
    grouped: dict[str, list[Object]] = {}
    for pred, obj in props:
        grouped.setdefault(pred, []).append(obj)
    return grouped


# --- Turtle -------------------------------------------------------------------------------------------


def _ttl_literal(lit: Lit) -> str:
    text = lit.value
    if _TTL_SPECIAL.search(text):
        text = text.translate(_TTL_ESCAPES)
    if lit.lang:
        return f'"{text}"@{lit.lang}'
    if lit.datatype:
        return f'"{text}"^^{lit.datatype}'
    return f'"{text}"'


def _ttl_object(obj: Object, indent: str) -> str:
    if isinstance(obj, IRI):
        return f"<{obj}>"
    if isinstance(obj, Lit):
        return _ttl_literal(obj)
    inner = indent + "    "
    body = _ttl_body(obj.types, obj.props, inner)
    return f"[\n{inner}{body}\n{indent}]"


def _ttl_body(types: list[str], props: list[tuple[str, Object]], indent: str) -> str:
    # A repeated predicate ("p o1 ; p o2") is plain Turtle, so there is no need to group objects first.
    parts = ["a " + ", ".join(types)] if types else []
    for pred, obj in props:
        if type(obj) is IRI:
            parts.append(f"{pred} <{obj}>")
        else:
            parts.append(f"{pred} {_ttl_object(obj, indent)}")
    return f" ;\n{indent}".join(parts)


class TurtleWriter:
    def __init__(self, out: BinaryIO) -> None:
        self.out = out

    def start(self) -> None:
        head = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
        self.out.write(head.encode())

    def write(self, resources: Iterable[Resource]) -> None:
        chunk = []
        for res in resources:
            chunk.append(f"\n<{res.subject}> {_ttl_body(res.types, res.props, '    ')} .\n")
        self.out.write("".join(chunk).encode())

    def end(self) -> None:
        pass


# --- RDF/XML ------------------------------------------------------------------------------------------


def _xml_text(text: str) -> str:
    return text.translate(_XML_ESCAPES) if _XML_SPECIAL.search(text) else text


def _xml_props(props: list[tuple[str, Object]], indent: str, parts: list[str]) -> None:
    for pred, obj in props:
        if isinstance(obj, IRI):
            parts.append(f'{indent}<{pred} rdf:resource="{_xml_text(obj)}"/>\n')
        elif isinstance(obj, Lit):
            attr = ""
            if obj.lang:
                attr = f' xml:lang="{obj.lang}"'
            elif obj.datatype:
                attr = f' rdf:datatype="{expand(obj.datatype)}"'
            parts.append(f"{indent}<{pred}{attr}>{_xml_text(obj.value)}</{pred}>\n")
        else:
            parts.append(f"{indent}<{pred}>\n")
            _xml_node(obj.types, obj.props, "", indent + "  ", parts)
            parts.append(f"{indent}</{pred}>\n")


def _xml_node(types: list[str], props: list[tuple[str, Object]], about: str, indent: str, parts: list[str]) -> None:
    element = types[0] if types else "rdf:Description"
    about_attr = f' rdf:about="{_xml_text(about)}"' if about else ""
    parts.append(f"{indent}<{element}{about_attr}>\n")
    inner = indent + "  "
    for extra in types[1:]:
        parts.append(f'{inner}<rdf:type rdf:resource="{expand(extra)}"/>\n')
    _xml_props(props, inner, parts)
    parts.append(f"{indent}</{element}>\n")


class XmlWriter:
    def __init__(self, out: BinaryIO) -> None:
        self.out = out

    def start(self) -> None:
        ns = "".join(f'\n    xmlns:{p}="{uri}"' for p, uri in PREFIXES.items())
        self.out.write(f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{ns}>\n'.encode())

    def write(self, resources: Iterable[Resource]) -> None:
        parts: list[str] = []
        for res in resources:
            _xml_node(res.types, res.props, res.subject, "  ", parts)
        self.out.write("".join(parts).encode())

    def end(self) -> None:
        self.out.write(b"</rdf:RDF>\n")


# --- JSON-LD ------------------------------------------------------------------------------------------


def _json_value(obj: Object) -> dict[str, object]:
    if isinstance(obj, IRI):
        return {"@id": str(obj)}
    if isinstance(obj, Lit):
        if obj.lang:
            return {"@value": obj.value, "@language": obj.lang}
        if obj.datatype:
            return {"@value": obj.value, "@type": obj.datatype}
        return {"@value": obj.value}
    return _json_node(obj.types, obj.props)


def _json_node(types: list[str], props: list[tuple[str, Object]], subject: str | None = None) -> dict[str, object]:
    node: dict[str, object] = {}
    if subject is not None:
        node["@id"] = subject
    if types:
        node["@type"] = types
    for pred, objs in _group(props).items():
        node[pred] = [_json_value(o) for o in objs]
    return node


class JsonLdWriter:
    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.first = True

    def start(self) -> None:
        context = json.dumps(PREFIXES, ensure_ascii=False)
        self.out.write(f'{{"@context": {context},\n"@graph": ['.encode())

    def write(self, resources: Iterable[Resource]) -> None:
        parts = []
        for res in resources:
            sep = "\n" if self.first else ",\n"
            self.first = False
            parts.append(sep + json.dumps(_json_node(res.types, res.props, res.subject), ensure_ascii=False))
        self.out.write("".join(parts).encode())

    def end(self) -> None:
        self.out.write(b"\n]}\n")


Writer = TurtleWriter | XmlWriter | JsonLdWriter


def writer_for(fmt: Format, out: BinaryIO) -> Writer:
    if fmt == "turtle":
        return TurtleWriter(out)
    if fmt == "xml":
        return XmlWriter(out)
    return JsonLdWriter(out)

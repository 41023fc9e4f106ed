"""Helpers for tests of the HTML pages: read forms and page structure with the standard library's parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Protocol

from fastapi.testclient import TestClient

PASSWORD = "ein-sicheres-passwort"


class HasText(Protocol):
    @property
    def text(self) -> str: ...


@dataclass
class Page:
    """What the accessibility and form checks need to know about one HTML page."""

    html_lang: str = ""
    h1: list[str] = field(default_factory=list)
    landmarks: set[str] = field(default_factory=set)
    ids: list[str] = field(default_factory=list)
    labels_for: set[str] = field(default_factory=set)
    controls: list[dict[str, str]] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    tables: int = 0
    captions: int = 0
    th_scopes: list[str] = field(default_factory=list)
    inline_scripts: int = 0
    inline_styles: int = 0
    _in_h1: bool = False
    _in_table_head: bool = False

    def unlabelled_controls(self) -> list[dict[str, str]]:
        return [
            c
            for c in self.controls
            if c.get("type") not in ("hidden", "submit", "button")
            and c.get("id") not in self.labels_for
            and not c.get("aria-label")
            and not c.get("aria-labelledby")
        ]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._h1_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        page = self.page
        if "id" in a:
            page.ids.append(a["id"])
        if "style" in a:
            page.inline_styles += 1
        if tag == "html":
            page.html_lang = a.get("lang", "")
        elif tag in ("header", "main", "footer", "nav", "aside"):
            page.landmarks.add(tag)
        elif tag == "h1":
            page._in_h1 = True
            self._h1_text = []
        elif tag == "label" and "for" in a:
            page.labels_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            page.controls.append({"tag": tag, **a})
            if "name" in a:
                page.inputs.setdefault(a["name"], a.get("value", ""))
        elif tag == "a" and "href" in a:
            page.links.append(a["href"])
        elif tag == "table":
            page.tables += 1
        elif tag == "caption":
            page.captions += 1
        elif tag == "th":
            page.th_scopes.append(a.get("scope", ""))
        elif tag == "script" and "src" not in a:
            page.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self.page._in_h1 = False
            self.page.h1.append(" ".join("".join(self._h1_text).split()))

    def handle_data(self, data: str) -> None:
        if self.page._in_h1:
            self._h1_text.append(data)


def parse(html: str) -> Page:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.page


def csrf_token(response: HasText) -> str:
    token = parse(response.text).inputs.get("csrf_token", "")
    assert token, "page has no CSRF field"
    return token


def login(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    token = csrf_token(client.get("/anmelden"))
    return client.post(
        "/anmelden", data={"email": email, "password": password, "csrf_token": token}, follow_redirects=False
    )

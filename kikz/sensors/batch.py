"""``POST /$batch``: several requests in one call (STA v1.1 §14, OData JSON batch format).

Body: ``{"requests": [{"id": "1", "method": "post", "url": "Things", "body": {…}, "atomicityGroup": "g",
"dependsOn": ["0"]}, …]}``; answer: ``{"responses": [{"id": "1", "status": 201, "headers": {…}, "body": …}]}``.
The OData 4.0 form (``multipart/mixed`` with ``application/http`` parts, changesets as atomicity groups,
``Content-ID`` as the id) is read and answered in the same form.
Requests run in order in the caller's transaction, each in a savepoint of its own, so a failed one is undone
alone and reported with its status; the requests of one ``atomicityGroup`` share one savepoint and fail
together (the others of the group answer 424). A URL may start with ``$<id>`` of an earlier request that
created an entity (``$1/Datastreams``). A request depending on a failed one answers 424.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from kikz.errors import KikzError
from kikz.sensors import resources
from kikz.sensors.odata.errors import QueryError
from kikz.tenancy.permissions import PermissionDenied, Principal

MAX_REQUESTS = 1_000
MAX_MULTIPART_BYTES = 20_000_000
METHODS = {"get", "post", "patch", "put", "delete"}

# POST paths served by a special handler (CreateObservations): body → JSON answer
Special = Callable[[Any], Any]


@dataclass
class Request:
    id: str
    method: str
    url: str
    body: Any
    group: str | None
    depends: list[str]


def _requests(body: Any) -> list[Request]:
    if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
        raise QueryError('Erwartet wird {"requests": […]}. / A JSON batch {"requests": […]} is expected.')
    items = body["requests"]
    if len(items) > MAX_REQUESTS:
        raise QueryError(f"Höchstens {MAX_REQUESTS} Anfragen je $batch. / At most {MAX_REQUESTS} requests.")
    parsed: list[Request] = []
    seen: set[str] = set()
    groups: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise QueryError(f"Anfrage {index + 1} ist kein Objekt. / Request is not an object.")
        method = str(item.get("method", "")).lower()
        if method not in METHODS or not isinstance(item.get("url"), str):
            raise QueryError(f"Anfrage {index + 1}: method und url fehlen oder sind ungültig. / Invalid request.")
        request_id = str(item.get("id", index + 1))
        if request_id in seen:
            raise QueryError(f"Die id {request_id!r} kommt doppelt vor. / Duplicate request id.")
        depends = item.get("dependsOn") or []
        if not isinstance(depends, list) or not all(str(d) in seen or str(d) in groups for d in depends):
            raise QueryError(f"Anfrage {request_id}: dependsOn nennt keine frühere Anfrage. / Invalid dependsOn.")
        group = item.get("atomicityGroup")
        if group is not None:
            group = str(group)
            if groups and group in groups and groups[-1] != group:
                raise QueryError("Eine atomicityGroup muss zusammenhängen. / Atomicity groups must be adjacent.")
            if group not in groups:
                groups.append(group)
        seen.add(request_id)
        parsed.append(Request(request_id, method, item["url"], item.get("body"), group, [str(d) for d in depends]))
    return parsed


def _error(exc: Exception) -> tuple[int, dict[str, Any]]:
    if isinstance(exc, KikzError):
        return exc.status_code, {"error": {"code": exc.code, "message": exc.message}}
    if isinstance(exc, PermissionDenied):
        return 403, {"error": {"code": "forbidden", "message": exc.message}}
    if isinstance(exc, IntegrityError):
        message = "Die Änderung widerspricht bestehenden Daten. / The change conflicts with stored data."
        return 409, {"error": {"code": "conflict", "message": message}}
    message = "Die Anfrage ließ sich nicht ausführen. / The request could not be executed."
    return 400, {"error": {"code": "invalid_query", "message": message}}


class Batch:
    def __init__(
        self, session: Session, principal: Principal, base: str, prefix: str, special: Mapping[str, Special]
    ) -> None:
        self.session, self.principal, self.base, self.prefix = session, principal, base, prefix
        self.special = special
        self.locations: dict[str, str] = {}  # request id → path of the entity it created
        self.status: dict[str, int] = {}

    def _target(self, url: str) -> tuple[str, dict[str, str]]:
        if url.startswith(self.base):
            url = url[len(self.base) :]
        parts = urlsplit(url)
        path = parts.path
        if path.startswith(self.prefix):
            path = path[len(self.prefix) :]
        path = path.lstrip("/")
        if path.startswith("$"):
            ref, _, rest = path[1:].partition("/")
            if ref not in self.locations:
                raise QueryError(f"${ref} nennt keine angelegte Entität. / ${ref} names no created entity.")
            path = self.locations[ref] + ("/" + rest if rest else "")
        return path, dict(parse_qsl(parts.query, keep_blank_values=True))

    def _one(self, request: Request) -> resources.Reply:
        path, params = self._target(request.url)
        if path.startswith("$batch"):
            raise QueryError("$batch lässt sich nicht verschachteln. / $batch cannot be nested.")
        args = (self.session, self.principal)
        if request.method == "get":
            return resources.read(*args, self.base, path, params)
        if request.method == "post":
            if path in self.special:
                return resources.Reply(201, self.special[path](request.body))
            return resources.create(*args, self.base, path, params, request.body)
        if request.method == "patch":
            return resources.patch(*args, self.base, path, request.body)
        if request.method == "put":
            return resources.put(*args, path, request.body)
        return resources.remove(*args, path, params)

    def _answer(self, request: Request, reply: resources.Reply) -> dict[str, Any]:
        self.status[request.id] = reply.status
        location = reply.headers.get("Location")
        if location and location.startswith(self.base):
            self.locations[request.id] = location[len(self.base) :].lstrip("/")
        headers = {k.lower(): v for k, v in reply.headers.items()}
        if reply.body is not None:
            headers["content-type"] = "text/plain; charset=utf-8" if reply.text else "application/json"
        answer: dict[str, Any] = {"id": request.id, "status": reply.status, "headers": headers}
        if reply.body is not None:
            answer["body"] = reply.body
        return answer

    def _failed(self, request: Request, status: int, body: dict[str, Any]) -> dict[str, Any]:
        self.status[request.id] = status
        return {"id": request.id, "status": status, "headers": {"content-type": "application/json"}, "body": body}

    def _blocked(self, request: Request) -> bool:
        return any(self.status.get(d, 200) >= 400 for d in request.depends)

    def run(self, body: Any) -> dict[str, Any]:
        requests = _requests(body)
        responses: list[dict[str, Any]] = []
        index = 0
        while index < len(requests):
            group = [requests[index]]
            while group[0].group is not None and index + len(group) < len(requests):
                following = requests[index + len(group)]
                if following.group != group[0].group:
                    break
                group.append(following)
            index += len(group)
            responses += self._run_group(group)
        return {"responses": responses}

    def _run_group(self, group: list[Request]) -> list[dict[str, Any]]:
        answers: list[dict[str, Any]] = []
        failed: tuple[Request, int, dict[str, Any]] | None = None
        savepoint = self.session.begin_nested()
        for request in group:
            if self._blocked(request):
                failed = (request, 424, _dependency_failed())
                break
            try:
                with self.session.begin_nested():
                    answers.append(self._answer(request, self._one(request)))
            except (KikzError, PermissionDenied, DBAPIError) as exc:
                failed = (request, *_error(exc))
                break
        if failed is None:
            savepoint.commit()
            return answers
        savepoint.rollback()
        if len(group) == 1:
            return [self._failed(*failed)]
        results = []
        for request in group:
            if request is failed[0]:
                results.append(self._failed(*failed))
            else:
                self.locations.pop(request.id, None)
                results.append(self._failed(request, 424, _dependency_failed()))
        return results


def _dependency_failed() -> dict[str, Any]:
    message = "Nicht ausgeführt: eine Anfrage, von der diese abhängt, ist gescheitert. / A dependency failed."
    return {"error": {"code": "failed_dependency", "message": message}}


# --- OData 4.0 multipart/mixed ------------------------------------------------------------------------------------

_REQUEST_LINE = re.compile(r"^(GET|POST|PATCH|PUT|DELETE)\s+(\S+)(?:\s+HTTP/\d\.\d)?$", re.IGNORECASE)
_REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden"}
_REASONS |= {404: "Not Found", 409: "Conflict", 422: "Unprocessable Entity", 424: "Failed Dependency"}
_REASONS |= {501: "Not Implemented"}


def _http_part(part: Message, index: int, group: str | None) -> dict[str, Any]:
    """One ``application/http`` part as an item of the JSON batch form."""
    raw = part.get_payload(decode=True)
    text = raw.decode("utf-8") if isinstance(raw, bytes) else str(part.get_payload())
    head, _, body = text.replace("\r\n", "\n").partition("\n\n")
    lines = [line for line in head.split("\n") if line.strip()]
    match = _REQUEST_LINE.match(lines[0].strip()) if lines else None
    if match is None:
        raise QueryError(f"Teil {index}: keine HTTP-Anfragezeile. / Part {index}: no HTTP request line.")
    content_id = part.get("Content-ID")
    item: dict[str, Any] = {"id": str(content_id or f"#{index}"), "method": match.group(1), "url": match.group(2)}
    if body.strip():
        try:
            item["body"] = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise QueryError(f"Teil {index}: der Inhalt ist kein JSON. / Part {index}: body is not JSON.") from exc
    if group is not None:
        item["atomicityGroup"] = group
    return item


def parse_multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    """A multipart/mixed batch (changesets become atomicity groups) in the JSON batch form."""
    if len(raw) > MAX_MULTIPART_BYTES:
        raise QueryError("Der Batch ist zu groß. / The batch is too large.")
    message = BytesParser(policy=policy.HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    if not message.is_multipart():
        raise QueryError("multipart/mixed mit boundary erwartet. / multipart/mixed with a boundary expected.")
    items: list[dict[str, Any]] = []
    for number, part in enumerate(message.iter_parts(), start=1):
        if part.get_content_type() == "multipart/mixed":
            group = f"changeset{number}"
            for inner in part.iter_parts():
                items.append(_http_part(inner, len(items) + 1, group))
        else:
            items.append(_http_part(part, len(items) + 1, None))
    return {"requests": items}


def _http_text(answer: dict[str, Any]) -> str:
    status = answer["status"]
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    lines += [f"{key.title()}: {value}" for key, value in answer.get("headers", {}).items()]
    body = answer.get("body")
    text = "" if body is None else body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return "\r\n".join(lines) + "\r\n\r\n" + text


def _part(answer: dict[str, Any], content_id: bool) -> str:
    headers = "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
    if content_id:
        headers += f"Content-ID: {answer['id']}\r\n"
    return headers + "\r\n" + _http_text(answer) + "\r\n"


def format_multipart(request: dict[str, Any], answer: dict[str, Any]) -> tuple[bytes, str]:
    """The answers as multipart/mixed, a changeset's answers grouped again in a nested multipart."""
    boundary = f"batchresponse_{uuid.uuid4().hex}"
    groups = {str(item["id"]): item.get("atomicityGroup") for item in request["requests"]}
    chunks: list[str] = []
    responses = answer["responses"]
    index = 0
    while index < len(responses):
        group = groups.get(responses[index]["id"])
        if group is None:
            chunks.append(_part(responses[index], False))
            index += 1
            continue
        members = []
        while index < len(responses) and groups.get(responses[index]["id"]) == group:
            members.append(responses[index])
            index += 1
        inner = f"changesetresponse_{uuid.uuid4().hex}"
        nested = "".join(f"--{inner}\r\n{_part(m, True)}" for m in members) + f"--{inner}--\r\n"
        chunks.append(f"Content-Type: multipart/mixed; boundary={inner}\r\n\r\n{nested}")
    body = "".join(f"--{boundary}\r\n{chunk}" for chunk in chunks) + f"--{boundary}--\r\n"
    return body.encode(), f"multipart/mixed; boundary={boundary}"

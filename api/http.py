"""Routes declared once: the pydantic models that validate a request also document it.

`operation` registers a Flask route and records it in OPERATIONS, from which `api.openapi`
builds the OpenAPI document, so the document cannot drift from what the handlers accept.
"""

from __future__ import annotations

import base64
import functools
import gzip
import inspect
import itertools
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from flask import Blueprint, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from pydantic import AfterValidator, BaseModel, Field, ValidationError
from pydantic_core import PydanticCustomError
from werkzeug.exceptions import RequestEntityTooLarge

from api.problems import ProblemError
from kb.identities import Role

JSON = "application/json"
NOT_A_CURSOR = "not a cursor this API issued; start again from the first page"
# JSON answers this long are gzipped for clients that accept it (a path on a large knowledge base
# is hundreds of kB, a tenth of it compressed); shorter ones gain less than compressing costs.
COMPRESS_FROM = 1024  # characters
COMPRESS_LEVEL = 1  # zlib's fastest: most of the gain, a third of the default level's time
T = TypeVar("T")


def _default_limit() -> str:
    # Read per request, so that each app (and each test) keeps its own setting.
    return current_app.config["RATELIMIT_DEFAULT"]


# Routes may tighten their own limit: `@limiter.limit("30 per minute")`.
limiter = Limiter(get_remote_address, default_limits=[_default_limit], headers_enabled=True)


@dataclass(frozen=True)
class Operation:
    blueprint: Blueprint
    endpoint: str  # "<blueprint>.<handler>", how Flask names the route
    method: str
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    summary: str
    description: str
    tags: tuple[str, ...]
    roles: tuple[Role, ...]  # who may call it: none means anyone
    media_type: str = JSON  # another one means the handler returns the body as bytes


OPERATIONS: list[Operation] = []


def operation(
    bp: Blueprint,
    method: str,
    rule: str,
    *,
    summary: str,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int | None = None,
    description: str | None = None,
    tags: typing.Sequence[str] = (),
    roles: typing.Sequence[Role] = (),
    media_type: str = JSON,
) -> Callable[[Callable], Callable]:
    """Route `method rule` to the decorated handler.

    The handler gets the path parameters as keyword arguments, plus `query` and `body` (the
    validated models) when declared, and returns a `response` instance (or an `Encoded` one),
    optionally as `(model, status)` or `(model, status, headers)`; with no `response` model
    the answer has no body (status 204 unless told). With a `media_type` other than JSON (an
    image), the handler returns the body as bytes. `roles` documents who may call it (a learner
    with their token, a maintainer with their key); the handler checks it (`api.auth`).
    A route's own rate limit goes between this decorator and the handler:
    `@operation(...)` then `@limiter.limit("30 per minute")`.
    """

    def decorate(handler: Callable) -> Callable:
        recorded = Operation(
            blueprint=bp,
            endpoint=f"{bp.name}.{handler.__name__}",
            method=method.upper(),
            query=query,
            body=body,
            response=response,
            status=status or (200 if response or media_type != JSON else 204),
            summary=summary,
            description=description or inspect.getdoc(handler) or "",
            tags=tuple(tags),
            roles=tuple(roles),
            media_type=media_type,
        )

        @functools.wraps(handler)
        def view(**path: Any) -> Response:
            arguments = dict(path)
            if query is not None:
                arguments["query"] = _validated_query(query)
            if body is not None:
                arguments["body"] = _validated_body(body)
            return _respond(recorded, handler(**arguments))

        bp.add_url_rule(rule, endpoint=handler.__name__, view_func=view, methods=[recorded.method])
        OPERATIONS.append(recorded)
        return handler

    return decorate


def is_list(annotation: Any) -> bool:
    """Whether a field takes several values (`list[str]`, `list[str] | None`, ...)."""
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    if origin in (typing.Union, types.UnionType, Annotated):
        return any(is_list(argument) for argument in typing.get_args(annotation))
    return False


def _validated_query(model: type[BaseModel]) -> BaseModel:
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key in request.args:  # unknown parameters are ignored
            many = is_list(field.annotation)
            values[key] = request.args.getlist(key) if many else request.args[key]
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise invalid("query", error) from None


def _validated_body(model: type[BaseModel]) -> BaseModel:
    if not request.is_json:
        given = request.mimetype or "no Content-Type"
        raise ProblemError(415, f"the request body must be {JSON}, not {given}")
    data = request.get_data()  # 413 when it says it is over the limit
    if request.content_length is None and request.environ["wsgi.input"].read(1):
        # A chunked body announces no length: werkzeug stops reading it at the limit.
        raise RequestEntityTooLarge()
    try:
        return model.model_validate_json(data)
    except ValidationError as error:
        raise invalid("body", error) from None


def invalid(location: str, error: ValidationError) -> ProblemError:
    """A 422 naming every invalid field of `location` (query, body or path)."""
    errors = [
        {
            "location": location,
            "field": ".".join(str(part) for part in issue["loc"]),
            "message": issue["msg"],
        }
        for issue in error.errors(include_url=False)
    ]
    named = "; ".join(
        f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
    )
    return ProblemError(422, f"invalid {location}: {named}", errors=errors)


class Encoded:
    """A response model's JSON, encoded once: for answers that are kept and served again, where
    encoding would otherwise cost more than finding the answer. Only the text is kept, not the
    model's tree of objects, which the garbage collector would walk again and again; and, once a
    client asked for it, the text compressed."""

    def __init__(self, model: BaseModel) -> None:
        self.model_type = type(model)
        self.json = model.model_dump_json(by_alias=True)
        self._gzipped: bytes | None = None

    def gzipped(self) -> bytes:
        if self._gzipped is None:  # two threads may both compress it: the same bytes
            self._gzipped = _gzip(self.json)
        return self._gzipped


def _respond(recorded: Operation, result: Any) -> Response:
    status, headers = recorded.status, {}
    if isinstance(result, tuple):
        result, status, *rest = result
        headers = rest[0] if rest else {}
    if recorded.media_type != JSON:
        return Response(result, status, headers, mimetype=recorded.media_type)
    if recorded.response is None:
        return Response(status=status, headers=headers)
    encoded = result if isinstance(result, Encoded) else None
    returned = encoded.model_type if encoded else type(result)
    if not issubclass(returned, recorded.response):
        raise TypeError(f"{recorded.endpoint} returned {returned.__name__}, not its model")
    body = encoded.json if encoded else result.model_dump_json(by_alias=True)
    if len(body) < COMPRESS_FROM:
        return Response(body, status, headers, mimetype=JSON)
    headers = {**headers, "Vary": "Accept-Encoding"}
    if not request.accept_encodings["gzip"]:
        return Response(body, status, headers, mimetype=JSON)
    compressed = encoded.gzipped() if encoded else _gzip(body)
    return Response(compressed, status, {**headers, "Content-Encoding": "gzip"}, mimetype=JSON)


def _gzip(text: str) -> bytes:
    return gzip.compress(text.encode(), compresslevel=COMPRESS_LEVEL, mtime=0)


def paginate(
    matching: Iterable[T], limit: int, position: Callable[[T], str | int]
) -> tuple[list[T], str | None]:
    """The first `limit` items of `matching`, in their order, and the cursor of the page after
    them (None when there is none); `position` says where an item stands in that order."""
    page = list(itertools.islice(matching, limit + 1))
    if len(page) <= limit:
        return page, None
    return page[:limit], encode_cursor(position(page[limit - 1]))


def encode_cursor(position: str | int) -> str:
    """An opaque cursor for "the page after `position`"."""
    return base64.urlsafe_b64encode(str(position).encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> str:
    try:
        position = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except ValueError:  # not base64, or not UTF-8
        position = None
    if position is None or encode_cursor(position) != cursor:
        raise PydanticCustomError("cursor", NOT_A_CURSOR)
    return position


# A query field for the `next_cursor` of a previous page; validates to the position it encodes.
Cursor = Annotated[
    str,
    AfterValidator(decode_cursor),
    Field(description="`next_cursor` of the previous page; omit it for the first page"),
]

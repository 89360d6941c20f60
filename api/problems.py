"""Every error the API answers is an RFC 9457 problem document (`application/problem+json`)."""

from __future__ import annotations

import json
from http import HTTPStatus

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from api.schemas.problems import Problem
from kb.errors import InputError, KBError

MEDIA_TYPE = "application/problem+json"
# Headers an error response must keep: they tell the client what to do next.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class ProblemError(Exception):
    """Raised by a handler to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        type: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extensions,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.type = type
        self.headers = headers or {}
        self.extensions = extensions


def problem_response(error: ProblemError) -> Response:
    problem = Problem(
        type=error.type,
        title=error.title,
        status=error.status,
        detail=error.detail,
        instance=request.path,
        **error.extensions,
    )
    body = json.dumps(problem.model_dump(mode="json", exclude_none=True), ensure_ascii=False)
    return Response(body, error.status, headers=error.headers, mimetype=MEDIA_TYPE)


def register(app: Flask) -> None:
    app.register_error_handler(ProblemError, problem_response)
    app.register_error_handler(KBError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)


def _domain_error(error: KBError) -> Response:
    fields = dict(error.extensions)
    if isinstance(error, InputError) and error.location is not None:
        detail = f"invalid {error.location}: {error}"
        field = {"location": error.location, "field": error.origin, "message": error.reason}
        fields = {"errors": [field]}
    else:
        detail = str(error)
    return problem_response(ProblemError(error.status, detail, headers=error.headers, **fields))


def _http_error(error: HTTPException) -> Response | HTTPException:
    if error.code is None or error.code < 400:  # a redirect, not an error
        return error
    headers = {name: value for name, value in error.get_headers() if name in KEPT_HEADERS}
    return problem_response(ProblemError(error.code, _sentence(error), headers=headers))


def _sentence(error: HTTPException) -> str:
    if error.code == 404:
        return f"there is no resource at {request.path}"
    if error.code == 405:
        return f"{request.path} does not accept {request.method}"
    if error.code == 429:
        return f"too many requests from this address: the limit is {error.description}"
    if error.code == 413:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        return f"the request body is larger than the limit of {limit} bytes"
    return error.description or HTTPStatus(error.code).phrase


def _internal_error(error: Exception) -> Response:
    current_app.logger.error(
        "unhandled error in %s %s", request.method, request.path, exc_info=error
    )
    return problem_response(ProblemError(500, "the server failed to answer this request"))

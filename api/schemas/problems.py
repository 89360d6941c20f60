"""The one shape of every error the API answers (RFC 9457, `application/problem+json`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FieldError(BaseModel):
    """One invalid input: where it was, which field, and what is wrong with it."""

    location: str = Field(description="query, body or path")
    field: str = Field(description="dotted path of the field; empty for the whole input")
    message: str


class Problem(BaseModel):
    """An error. Extension members (such as `errors` or `suggestions`) may follow."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description='a URI naming the kind of problem, or "about:blank"')
    title: str = Field(description="the HTTP status phrase")
    status: int
    detail: str = Field(description="what was wrong with this request")
    instance: str = Field(description="the path of the request")
    errors: list[FieldError] | None = Field(None, description="each invalid input, for a 422")

"""Domain errors. Each declares once what it is for the API (an HTTP status, headers such as
Retry-After) and for the command line (an exit status); neither edge translates them by hand."""

from __future__ import annotations


class KBError(Exception):
    """Base class for every error the knowledge base raises on purpose. `extensions` are
    members the API's problem document adds (`suggestions`, `errors`, ...)."""

    status = 500  # HTTP
    exit_code = 1  # the `kb` command

    def __init__(self, message: str, **extensions: object) -> None:
        super().__init__(message)
        self.extensions = extensions

    @property
    def headers(self) -> dict[str, str]:
        return {}


class InputError(KBError):
    """An input (file, URL, bytes, a field) that cannot be used; names it (`origin`, empty for
    the request as a whole) and the reason. `location` says, for a field of a request, where it
    was: "body", "query" or "path"."""

    status = 422
    exit_code = 2

    def __init__(
        self, origin: str, reason: str, *, location: str | None = None, **extensions: object
    ):
        super().__init__(f"{origin}: {reason}" if origin else reason, **extensions)
        self.origin = origin
        self.reason = reason
        self.location = location


class NotFoundError(KBError):
    """A requested entity does not exist."""

    status = 404


class UnknownTopic(NotFoundError):
    """A topic named by the caller (a goal, a topic to mark) that the knowledge base lacks;
    `suggestions` are the topics they may have meant. For the command it is bad input."""

    exit_code = 2

    def __init__(self, message: str, *, suggestions: list[str], **extensions: object) -> None:
        super().__init__(message, suggestions=suggestions, **extensions)


class SchemaError(KBError):
    """The database schema is missing or not at the migrations' latest version."""


class Unauthenticated(KBError):
    """The caller sent no secret, or one nobody holds; `challenge` says what to send."""

    status = 401
    exit_code = 2

    def __init__(self, message: str, *, challenge: str) -> None:
        super().__init__(message)
        self.challenge = challenge

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": self.challenge}


class NotAllowed(KBError):
    """The caller is known, but may not do this (another learner's job, a learner's script)."""

    status = 403
    exit_code = 2


class Conflict(KBError):
    """The request cannot apply to the entity as it is now (cancelling a finished job)."""

    status = 409
    exit_code = 2


class Busy(KBError):
    """Not now: a quota or capacity is used up, or another writer holds the lock. Try again in
    `retry_after` seconds."""

    exit_code = 2

    def __init__(self, message: str, *, retry_after: int, status: int = 429):
        super().__init__(message)
        self.retry_after = max(1, retry_after)
        self.status = status

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}

"""Domain errors. The CLI and the API map these to exit codes and problem+json responses."""


class KBError(Exception):
    """Base class for every error the knowledge base raises on purpose."""


class InputError(KBError):
    """An input (file, URL, bytes) that cannot be imported; names the input and the reason."""

    def __init__(self, origin: str, reason: str):
        super().__init__(f"{origin}: {reason}")
        self.origin = origin
        self.reason = reason


class NotFoundError(KBError):
    """A requested entity does not exist."""


class SchemaError(KBError):
    """The database schema is missing or not at the migrations' latest version."""

"""Errors a client may see, each with a machine-readable ``extensions.code``.

Services raise their own named domain errors and translate them to these at the GraphQL edge;
any other exception is masked ("Unexpected error.", code ``INTERNAL_SERVER_ERROR``).

    ClientError
    ├── Unauthenticated   UNAUTHENTICATED  no valid token
    ├── Forbidden         FORBIDDEN        known record, action not allowed for this role
    ├── NotFound          NOT_FOUND        no such record — or one in a unit you may not see
    ├── BadUserInput      BAD_USER_INPUT   invalid argument; nothing was changed
    └── Conflict          CONFLICT         the record's state forbids it (already signed ...)
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "BadUserInput",
    "ClientError",
    "Conflict",
    "Forbidden",
    "NotFound",
    "Unauthenticated",
]


class ClientError(Exception):
    code: ClassVar[str] = "BAD_REQUEST"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        # graphql-core copies `extensions` of the original error onto the GraphQL error.
        self.extensions: dict[str, Any] = {"code": self.code, **details}


class Unauthenticated(ClientError):
    code = "UNAUTHENTICATED"


class Forbidden(ClientError):
    code = "FORBIDDEN"


class NotFound(ClientError):
    code = "NOT_FOUND"


class BadUserInput(ClientError):
    code = "BAD_USER_INPUT"


class Conflict(ClientError):
    code = "CONFLICT"

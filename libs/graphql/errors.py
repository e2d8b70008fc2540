"""Errors a client may see, each with a machine-readable ``extensions.code``.

Services raise their own named domain errors and translate them to these at the GraphQL edge,
each with one `ErrorTranslation` declared in its ``graphql`` layer's ``errors`` module; any
other exception is masked ("Unexpected error.", code ``INTERNAL_SERVER_ERROR``).

    ClientError
    ├── Unauthenticated   UNAUTHENTICATED  no valid token
    ├── Forbidden         FORBIDDEN        known record, action not allowed for this role
    ├── NotFound          NOT_FOUND        no such record — or one in a unit you may not see
    ├── BadUserInput      BAD_USER_INPUT   invalid argument; nothing was changed
    └── Conflict          CONFLICT         the record's state forbids it (already signed ...)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

__all__ = [
    "BadUserInput",
    "ClientError",
    "Conflict",
    "ErrorTranslation",
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


# A client error class is given the domain error's message; a function makes the client error
# itself, for extensions beyond the code (``existingSignatureId``, ``retryAfterSeconds``).
Rule = type[ClientError] | Callable[[Any], ClientError]


class ErrorTranslation:
    """A service's domain errors and the client errors they become.

    The rule of the most specific class in an error's MRO applies, so a rule for a base class
    covers its subclasses. Errors no rule covers pass unchanged and are masked as internal.

        translated = ErrorTranslation({domain.NotFound: NotFound, domain.Taken: taken})
        with translated():
            ...
    """

    def __init__(self, rules: Mapping[type[Exception], Rule]) -> None:
        self._rules = dict(rules)

    def client_error(self, error: Exception) -> ClientError | None:
        for cls in type(error).__mro__:
            rule = self._rules.get(cls)
            if rule is None:
                continue
            client_error: ClientError = rule(str(error)) if isinstance(rule, type) else rule(error)
            return client_error
        return None

    @contextmanager
    def __call__(self) -> Iterator[None]:
        try:
            yield
        except Exception as error:
            translated = self.client_error(error)
            if translated is None:
                raise
            raise translated from error

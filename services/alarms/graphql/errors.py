"""The one place domain errors become the GraphQL errors clients see."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from libs.graphql.errors import BadUserInput, ClientError, Conflict, Forbidden, NotFound
from services.alarms.domain import (
    AlarmError,
    AlarmNotFound,
    AlarmNotOpen,
    AlreadyAssessed,
    AlreadyReported,
    DeviationNotFound,
    InvalidAcknowledgement,
    InvalidDeviationInput,
    InvalidFollowUpNote,
    InvalidPeriod,
    NotPermitted,
)
from services.alarms.repository import InvalidCursor

__all__ = ["translated"]

_CLIENT_ERRORS: dict[type[Exception], type[ClientError]] = {
    AlarmNotFound: NotFound,
    DeviationNotFound: NotFound,
    NotPermitted: Forbidden,
    InvalidAcknowledgement: BadUserInput,
    InvalidDeviationInput: BadUserInput,
    InvalidPeriod: BadUserInput,
    InvalidFollowUpNote: BadUserInput,
    InvalidCursor: BadUserInput,
    AlarmNotOpen: Conflict,
    AlreadyReported: Conflict,
    AlreadyAssessed: Conflict,
}


@contextmanager
def translated() -> Iterator[None]:
    try:
        yield
    except (AlarmError, InvalidCursor) as error:
        raise _CLIENT_ERRORS[type(error)](str(error)) from error

"""The one place identity's domain errors become the GraphQL errors clients see."""

from __future__ import annotations

from libs.graphql.errors import (
    BadUserInput,
    ClientError,
    Conflict,
    ErrorTranslation,
    Forbidden,
    NotFound,
    Unauthenticated,
)
from services.identity import domain

__all__ = ["translated"]


def _invalid_input(error: domain.InvalidInput) -> ClientError:
    details = {"field": error.field} if error.field else {}
    return BadUserInput(error.message, **details)


def _locked_out(error: domain.LockedOut) -> ClientError:
    return Unauthenticated(
        error.message,
        reason="LOCKED_OUT",
        retryAfterSeconds=max(1, int(error.retry_after.total_seconds()) + 1),
    )


translated = ErrorTranslation(
    {
        domain.InvalidInput: _invalid_input,
        domain.NotFound: NotFound,
        domain.NotAllowed: Forbidden,
        domain.StateConflict: Conflict,
        domain.LockedOut: _locked_out,
        domain.InvalidCredentials: Unauthenticated,
        domain.InvalidSession: Unauthenticated,
    }
)

"""The one place alarms' domain errors become the GraphQL errors clients see."""

from __future__ import annotations

from libs.graphql.errors import BadUserInput, Conflict, ErrorTranslation, Forbidden, NotFound
from services.alarms.domain import (
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

translated = ErrorTranslation(
    {
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
)

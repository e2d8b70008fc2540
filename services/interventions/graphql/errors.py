"""The one place interventions' domain errors become the GraphQL errors clients see."""

from __future__ import annotations

from libs.graphql.errors import BadUserInput, Conflict, ErrorTranslation, Forbidden, NotFound
from services.interventions import domain

__all__ = ["translated"]

translated = ErrorTranslation(
    {
        domain.InvalidInput: BadUserInput,
        domain.UnknownRecord: NotFound,
        domain.NotPermitted: Forbidden,
        domain.IllegalTransition: Conflict,
    }
)

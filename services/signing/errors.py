"""The one place signing's domain errors become the GraphQL errors clients see.

Beside ``graphql.py``, as the other services keep it in their ``graphql`` package: a module,
because signing's GraphQL layer is one module.
"""

from __future__ import annotations

from libs.graphql.errors import (
    BadUserInput,
    ClientError,
    Conflict,
    ErrorTranslation,
    Forbidden,
    NotFound,
)
from services.signing import domain

__all__ = ["translated"]


def _conflict_with_existing(error: domain.AlreadySigned | domain.KeyReused) -> ClientError:
    return Conflict(error.message, existingSignatureId=error.existing_signature_id)


translated = ErrorTranslation(
    {
        domain.InvalidSigning: BadUserInput,
        domain.NotFound: NotFound,
        domain.AlreadySigned: _conflict_with_existing,
        domain.KeyReused: _conflict_with_existing,
        domain.OccurrenceClosed: Conflict,
        domain.AlreadyAnnulled: Conflict,
        domain.NotDeviating: Conflict,
        domain.NotAllowed: Forbidden,
    }
)

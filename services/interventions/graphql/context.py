"""The request context of the interventions subgraph, and the one translation of domain errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import strawberry

from libs.graphql.context import ServiceContext
from libs.graphql.errors import BadUserInput, Conflict, Forbidden, NotFound
from libs.runtime import ServiceRuntime
from services.interventions import domain
from services.interventions.settings import InterventionsSettings

__all__ = ["Info", "InterventionsContext", "client_errors"]


class InterventionsContext(ServiceContext):
    def __init__(self, *, runtime: ServiceRuntime) -> None:
        super().__init__(runtime=runtime)
        self.settings = cast(InterventionsSettings, runtime.settings)


Info = strawberry.Info[InterventionsContext, None]


@contextmanager
def client_errors() -> Iterator[None]:
    try:
        yield
    except domain.InvalidInput as error:
        raise BadUserInput(error.message) from error
    except domain.UnknownRecord as error:
        raise NotFound(error.message) from error
    except domain.NotPermitted as error:
        raise Forbidden(error.message) from error
    except domain.IllegalTransition as error:
        raise Conflict(error.message) from error

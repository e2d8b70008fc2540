"""The interventions subgraph: the types, queries and mutations this service owns."""

from __future__ import annotations

import strawberry

__all__ = ["Query"]


@strawberry.type
class Query:
    @strawberry.field(description="The name of the subgraph answering; a liveness probe.")
    def interventions_service(self) -> str:
        return "interventions"

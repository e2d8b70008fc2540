"""The identity subgraph: types, queries and mutations of the public graph this service owns."""

from __future__ import annotations

import strawberry

__all__ = ["Query"]


@strawberry.type
class Query:
    @strawberry.field(description="The name of the subgraph answering; a liveness probe.")
    def identity_service(self) -> str:
        return "identity"

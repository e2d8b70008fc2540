"""The interventions subgraph: the types, queries and mutations this service owns.

``Occurrence``, ``Tenant`` and ``Intervention`` are federation entities keyed by ``id``.
Domain errors become client errors in one place, `errors.translated`.
"""

from services.interventions.graphql.context import InterventionsContext
from services.interventions.graphql.mutation import Mutation
from services.interventions.graphql.query import Query
from services.interventions.graphql.types import ENTITIES

__all__ = ["ENTITIES", "InterventionsContext", "Mutation", "Query"]

"""The identity subgraph: types, queries and mutations of the public graph this service owns.

`User` and `Unit` are federation entities (key ``id``) that the other subgraphs reference.
Domain errors become client errors in one place, `errors.translated`.
"""

from services.identity.graphql.context import IdentityContext
from services.identity.graphql.mutations import Mutation
from services.identity.graphql.queries import Query
from services.identity.graphql.types import Unit, User

__all__ = ["TYPES", "IdentityContext", "Mutation", "Query", "Unit", "User"]

TYPES: list[type] = [User, Unit]

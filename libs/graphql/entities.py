"""Entities resolved a batch at a time, and fields whose values such a batch preloads.

The gateway asks a subgraph for the fields it adds to another's entity with one ``_entities``
call listing every reference: a worklist through the gateway asks signing for 800 occurrences'
``signature``. Per reference, that is 800 ``resolve_reference`` calls and 800 async field
resolvers feeding a DataLoader — most of the subgraph's time. An entity type that defines

    @classmethod
    async def resolve_references(cls, info, representations) -> list[Entity | None]

gets all its representations of one call at once, in order, and can load what the fields need
in one query; it needs no ``resolve_reference`` (this schema never calls it for such a type).
Fields marked ``metadata=PRELOADABLE`` keep their resolver for objects made elsewhere, but
when the object's ``preloaded`` mapping holds their value the executor reads it like a plain
attribute (``libs/graphql/execution.py``). A root field that returns many such objects can
preload them too, for the fields its query ``selects``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import strawberry
from strawberry.federation.schema import FederationAny
from strawberry.types.info import Info
from strawberry.types.nodes import SelectedField

__all__ = ["PRELOADABLE", "PRELOADABLE_KEY", "BatchEntitiesSchema", "selects"]

PRELOADABLE_KEY = "signa.preloadable"
PRELOADABLE = {PRELOADABLE_KEY: True}  # a field's ``metadata``


class BatchEntitiesSchema(strawberry.federation.Schema):
    async def entities_resolver(  # type: ignore[override]
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        batches: defaultdict[Any, list[int]] = defaultdict(list)
        for index, representation in enumerate(representations):
            origin = self._origin(representation)
            if hasattr(origin, "resolve_references"):
                batches[origin].append(index)
        if not batches:
            return super().entities_resolver(info, representations)
        results: list[Any] = [None] * len(representations)
        batched = {index for indexes in batches.values() for index in indexes}
        others = [index for index in range(len(representations)) if index not in batched]
        # One by one as Strawberry does it; async ones stay awaitables in the list, which
        # graphql-core awaits side by side.
        one_by_one = super().entities_resolver(info, [representations[i] for i in others])
        for index, result in zip(others, one_by_one, strict=True):
            results[index] = result
        for origin, indexes in batches.items():
            references = [_without_typename(representations[i]) for i in indexes]
            try:
                resolved = list(await origin.resolve_references(info, references))
            except Exception as error:  # each reference reports it, as one by one would
                resolved = [error] * len(indexes)
            for index, result in zip(indexes, resolved, strict=True):
                results[index] = result
        return results

    def _origin(self, representation: Any) -> Any:
        definition = self.schema_converter.type_map[representation["__typename"]].definition
        return getattr(definition, "origin", None)


def selects(info: Info, name: str) -> bool:
    """Whether the query selects field ``name`` (its GraphQL name) of the objects the field
    being resolved returns, directly or through fragments."""
    pending: list[Any] = list(info.selected_fields)
    while pending:
        node = pending.pop()
        for selection in node.selections:
            if isinstance(selection, SelectedField):
                if selection.name == name:
                    return True
            else:  # a fragment: look inside
                pending.append(selection)
    return False


def _without_typename(representation: Any) -> dict[str, Any]:
    return {key: value for key, value in representation.items() if key != "__typename"}

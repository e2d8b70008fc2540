"""The plain-selection executor answers exactly as graphql-core's own: same data, same key order,
same errors with the same paths, for plain selections, mixed ones and every kind of bad value."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import pytest
import strawberry

from libs.graphql.entities import PRELOADABLE, BatchEntitiesSchema
from libs.graphql.execution import PlainSelectionExecutor


@strawberry.enum
class Colour(Enum):
    RED = "red"
    GREEN = "green"


@strawberry.type
class Leaf:
    id: strawberry.ID
    name: str
    count: int
    flag: bool
    colour: Colour
    at: datetime
    note: str | None


@strawberry.type
class Node:
    id: strawberry.ID
    title: str
    leaf: Leaf
    maybe_leaf: Leaf | None
    colour: Colour | None
    leaves: list[Leaf]

    @strawberry.field
    def computed(self) -> str:
        return f"computed {self.id}"

    @strawberry.field
    async def later(self) -> Leaf:
        return self.leaf


def leaf(n: int, **overrides: Any) -> Leaf:
    values: dict[str, Any] = {
        "id": strawberry.ID(f"l{n}"),
        "name": f"leaf {n} ö",
        "count": n,
        "flag": n % 2 == 0,
        "colour": Colour.RED if n % 2 else Colour.GREEN,
        "at": datetime(2026, 2, 10, 7, n % 60, tzinfo=UTC),
        "note": None if n % 3 else f"note {n}",
    }
    values.update(overrides)
    return Leaf(**values)


def node(n: int, **overrides: Any) -> Node:
    values: dict[str, Any] = {
        "id": strawberry.ID(f"n{n}"),
        "title": f"node {n}",
        "leaf": leaf(n),
        "maybe_leaf": leaf(n + 100) if n % 2 else None,
        "colour": Colour.GREEN,
        "leaves": [leaf(n * 10 + i) for i in range(3)],
    }
    values.update(overrides)
    return Node(**values)


@dataclass
class Data:
    nodes: list[Node] = field(default_factory=lambda: [node(n) for n in range(20)])


DATA = Data()


@strawberry.type
class Query:
    @strawberry.field
    def nodes(self) -> list[Node]:
        return DATA.nodes

    @strawberry.field
    async def async_nodes(self) -> list[Node]:
        return DATA.nodes

    @strawberry.field
    def maybe_nodes(self) -> list[Node | None]:
        return [None if n % 5 == 0 else item for n, item in enumerate(DATA.nodes)]

    @strawberry.field
    def one(self) -> Node:
        return DATA.nodes[1]


STANDARD = strawberry.Schema(query=Query)
PLAIN = strawberry.Schema(query=Query, execution_context_class=PlainSelectionExecutor)

DOCUMENTS = {
    "plain list": "{ nodes { id title leaf { id name count flag colour at note } } }",
    "async root": "{ asyncNodes { id title maybeLeaf { id name } colour } }",
    "aliases and typename": (
        "{ nodes { __typename key: id t: title leaf { __typename n: name c: count } } }"
    ),
    "fragments": """
        { nodes { ...N leaf { ...L } } }
        fragment N on Node { id title leaf { id } }
        fragment L on Leaf { name colour }
    """,
    "merged selections": "{ nodes { leaf { id } leaf { name } id } }",
    "mixed with resolvers": "{ nodes { id computed later { id name } leaf { at } } }",
    "nested lists": "{ nodes { id leaves { id name flag } } }",
    "nullable items": "{ maybeNodes { id leaf { name } } }",
    "single object": "{ one { id title maybeLeaf { note } leaf { colour } } }",
    "skip and include": """query($skip: Boolean!, $include: Boolean!) {
        nodes { id @skip(if: $skip) title @include(if: $include) leaf { name @skip(if: $include) } }
    }""",
}


async def both(document: str) -> tuple[str, str]:
    variables = {"skip": True, "include": False}
    answers = []
    for schema in (STANDARD, PLAIN):
        result = await schema.execute(document, variable_values=variables)
        answers.append(
            json.dumps(
                {
                    "data": result.data,
                    "errors": [
                        {"message": e.message, "path": e.path, "locations": e.locations}
                        for e in result.errors or []
                    ],
                }
            )
        )
    return answers[0], answers[1]


@pytest.mark.parametrize("name", DOCUMENTS)
async def test_same_answer_as_graphql_core(name: str) -> None:
    standard, plain = await both(DOCUMENTS[name])
    assert plain == standard
    assert '"errors": []' in plain


BAD_VALUES = {
    "null in a non-null leaf": {"title": None},
    "null in a non-null object": {"leaf": None},
    "enum value it does not know": {"colour": "purple"},
    "a string where an int belongs": {"leaf": leaf(3, count="three")},
    "an int out of range": {"leaf": leaf(3, count=2**40)},
    "an exception as a value": {"leaf": leaf(3, name=ValueError("boom"))},
    "a wrong type of object": {"leaf": "not a leaf"},
    "null item of a non-null list": {"leaves": [leaf(1), None, leaf(2)]},
}


@pytest.mark.parametrize("name", BAD_VALUES)
async def test_bad_values_give_graphql_cores_errors(name: str) -> None:
    DATA.nodes = [node(n) for n in range(6)]
    DATA.nodes[4] = node(4, **BAD_VALUES[name])
    try:
        errors = []
        for document in DOCUMENTS.values():
            standard, plain = await both(document)
            assert plain == standard
            errors += json.loads(plain)["errors"]
        # The bad value was reached and reported, with the path of the node it is in.
        assert errors
        assert all(error["path"][1] == 4 for error in errors)
    finally:
        DATA.nodes = [node(n) for n in range(20)]


# Entities resolved a batch at a time, with a field the batch preloads.

CALLS = {"batches": 0, "resolver": 0}


@strawberry.type
class Extra:
    name: str


@strawberry.federation.type(keys=["id"])
class Thing:
    id: strawberry.ID
    preloaded: strawberry.Private[dict[str, Any]] = field(default_factory=dict)

    @strawberry.field(metadata=PRELOADABLE)
    async def extra(self) -> Extra | None:
        CALLS["resolver"] += 1
        return _extra(self.id)

    @classmethod
    async def resolve_references(cls, info: Any, representations: list[dict[str, Any]]) -> list:
        CALLS["batches"] += 1
        return [cls(id=r["id"], preloaded={"extra": _extra(r["id"])}) for r in representations]


def _extra(id: str) -> Extra | None:
    return None if id.endswith("0") else Extra(name=f"extra {id}")


@strawberry.federation.type(keys=["id"])
class Other:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Other:
        return cls(id=id)


@strawberry.type
class EntityQuery:
    ping: str = "pong"


ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
    __typename ... on Thing { id extra { name } } ... on Other { id } } }"""


async def test_a_batch_of_entities_is_resolved_once_and_its_preloaded_fields_read_as_values():
    representations = [
        {"__typename": "Thing" if n % 3 else "Other", "id": str(n)} for n in range(12)
    ]
    one_by_one = strawberry.federation.Schema(
        query=EntityQuery, types=[Thing, Other], federation_version="2.9"
    )
    batched = BatchEntitiesSchema(
        query=EntityQuery,
        types=[Thing, Other],
        federation_version="2.9",
        execution_context_class=PlainSelectionExecutor,
    )
    # Strawberry's own schema builds each Thing from its representation and calls its resolver.
    # (Strawberry takes "__typename" out of the representations it is given: copies each time.)
    expected = await one_by_one.execute(
        ENTITIES, variable_values={"r": [dict(r) for r in representations]}
    )
    assert expected.errors is None
    assert CALLS["resolver"] == 8

    CALLS.update(batches=0, resolver=0)
    answer = await batched.execute(
        ENTITIES, variable_values={"r": [dict(r) for r in representations]}
    )
    assert answer.errors is None
    assert answer.data == expected.data
    assert CALLS == {"batches": 1, "resolver": 0}

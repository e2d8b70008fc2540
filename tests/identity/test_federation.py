"""Other subgraphs reference `User` and `Unit` by id; the gateway resolves them here."""

from __future__ import annotations

from tests.identity.conftest import error_code

ENTITIES = """
query($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on User { id name username }
    ... on Unit { id name timezone }
  }
}"""


async def test_user_and_unit_entities_resolve_by_id(stack):
    staff = await stack.as_user("anna")
    bo = stack.demo["bo"].user_id
    representations = [
        {"__typename": "User", "id": bo},
        {"__typename": "Unit", "id": stack.unit_id},
        {"__typename": "User", "id": "no-such-user"},
    ]
    entities = (await staff(ENTITIES, {"r": representations}))["_entities"]
    assert entities[0] == {"id": bo, "name": "Bo Omvårdnad", "username": "bo"}
    assert entities[1] == {
        "id": stack.unit_id,
        "name": "Solgläntan",
        "timezone": "Europe/Stockholm",
    }
    assert entities[2] is None
    assert await error_code(stack.api(ENTITIES, {"r": representations[:1]})) == "UNAUTHENTICATED"


async def test_the_subgraph_declares_the_shared_entities_and_role_enum(stack):
    sdl = (await stack.api("{ _service { sdl } }"))["_service"]["sdl"]
    assert 'type User @key(fields: "id")' in sdl
    assert 'type Unit @key(fields: "id")' in sdl
    assert "enum Role {\n  CARE_STAFF\n  SOL_ADMIN\n  UNIT_MANAGER\n  SYSTEM_ADMIN\n}" in sdl

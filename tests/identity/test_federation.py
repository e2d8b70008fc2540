"""Other subgraphs reference `User` and `Unit` by id; the gateway resolves them here."""

from __future__ import annotations

from tests.identity.conftest import error_code
from tests.identity.test_authorization import second_unit_with_manager

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


async def test_users_and_units_of_other_units_resolve_as_missing(stack):
    admin = await stack.as_user("admin")
    other_unit, other_user, other_manager = await second_unit_with_manager(stack, admin)
    anna = stack.demo["anna"].user_id
    representations = [
        {"__typename": "User", "id": other_user},
        {"__typename": "Unit", "id": other_unit},
        {"__typename": "User", "id": anna},
    ]
    staff = await stack.as_user("anna")
    seen_by_staff = (await staff(ENTITIES, {"r": representations}))["_entities"]
    assert seen_by_staff == [None, None, {"id": anna, "name": "Anna Omvårdnad", "username": "anna"}]
    seen_by_other_manager = (await other_manager(ENTITIES, {"r": representations}))["_entities"]
    assert [e and e["id"] for e in seen_by_other_manager] == [other_user, other_unit, None]
    seen_by_admin = (await admin(ENTITIES, {"r": representations}))["_entities"]
    assert [e and e["id"] for e in seen_by_admin] == [other_user, other_unit, anna]


async def test_the_subgraph_declares_the_shared_entities_and_role_enum(stack):
    sdl = (await stack.api("{ _service { sdl } }"))["_service"]["sdl"]
    assert 'type User @key(fields: "id")' in sdl
    assert 'type Unit @key(fields: "id")' in sdl
    assert "enum Role {\n  CARE_STAFF\n  SOL_ADMIN\n  UNIT_MANAGER\n  SYSTEM_ADMIN\n}" in sdl

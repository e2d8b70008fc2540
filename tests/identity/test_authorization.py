"""Who may do what (DESIGN §5), for every identity query and mutation × role × unit.

Outside one's unit a record looks exactly like one that does not exist (NOT_FOUND); inside it,
an action the role may not take is FORBIDDEN; without a token everything is UNAUTHENTICATED.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.graphql import GraphQLError

OK = "OK"
CREATE_USER = """
mutation($input: CreateUserInput!) { createUser(input: $input) { id } }"""


async def second_unit_with_manager(stack, admin) -> tuple[str, str, object]:
    unit = (await admin('mutation { createUnit(name: "Björkhagen") { id timezone } }'))[
        "createUnit"
    ]
    assert unit["timezone"] == "Europe/Stockholm"
    user = (
        await admin(
            CREATE_USER,
            {
                "input": {
                    "name": "Olle Annanenhet",
                    "email": "olle@example.se",
                    "username": "olle",
                    "unitId": unit["id"],
                    "roles": ["UNIT_MANAGER", "CARE_STAFF"],
                }
            },
        )
    )["createUser"]
    [mail] = await stack.mails_to("olle@example.se")
    await stack.api(
        "mutation($t: String!, $p: String!) "
        "{ activateAccount(token: $t, password: $p) { userId } }",
        {"t": stack.token_in(mail), "p": "björkarna susar i vinden"},
    )
    login = await stack.login("olle", "björkarna susar i vinden")
    return unit["id"], user["id"], stack.api.as_user(login["accessToken"])


async def outcome(client, query: str, variables: dict) -> str:
    try:
        await client(query, variables)
    except GraphQLError as error:
        return error.code
    return OK


async def test_every_operation_answers_each_role_as_the_design_says(stack):
    admin = await stack.as_user("admin")
    clients = {
        "SYSTEM_ADMIN": admin,
        "UNIT_MANAGER": await stack.as_user("chef"),
        "SOL_ADMIN": await stack.as_user("soladmin"),
        "CARE_STAFF": await stack.as_user("anna"),
        "anonymous": stack.api.as_user(None),
    }
    other_unit, other_user, clients["OTHER_UNIT_MANAGER"] = await second_unit_with_manager(
        stack, admin
    )
    unit = stack.unit_id
    bo = stack.demo["bo"].user_id
    now = datetime.now(UTC)
    period = {"from": (now - timedelta(days=1)).isoformat(), "to": now.isoformat()}

    async def pending_order() -> str:
        data = await clients["UNIT_MANAGER"](
            """mutation($i: OrderRoleInput!) { orderRole(input: $i) { id } }""",
            {"i": {"userId": bo, "unitId": unit, "role": "SOL_ADMIN", "action": "GRANT"}},
        )
        return data["orderRole"]["id"]

    order_id = await pending_order()
    counter = iter(range(100))

    def new_user() -> dict:
        n = next(counter)
        return {
            "input": {
                "name": f"Ny Person {n}",
                "email": f"ny{n}@example.se",
                "username": f"ny{n}",
                "unitId": unit,
                "roles": ["CARE_STAFF"],
            }
        }

    # operation → (query, variables or factory, expected per caller); SA, UM, SOL, CS, OTHER
    def row(sa, um, sol, cs, other):
        return {
            "SYSTEM_ADMIN": sa,
            "UNIT_MANAGER": um,
            "SOL_ADMIN": sol,
            "CARE_STAFF": cs,
            "OTHER_UNIT_MANAGER": other,
            "anonymous": "UNAUTHENTICATED",
        }

    F, N = "FORBIDDEN", "NOT_FOUND"
    matrix = {
        "me": ("{ me { id } }", {}, row(OK, OK, OK, OK, OK)),
        "units": ("{ units { id } }", {}, row(OK, OK, OK, OK, OK)),
        "users(unit)": (
            "query($u: ID) { users(unitId: $u) { id } }",
            {"u": unit},
            row(OK, OK, OK, F, N),
        ),
        "users(other unit's member id as unit)": (
            "query($u: ID) { users(unitId: $u) { id } }",
            {"u": other_unit},
            row(OK, N, N, N, OK),
        ),
        "roleOrders": ("{ roleOrders { id } }", {}, row(OK, OK, F, F, OK)),
        "accessLog": ("{ accessLog { id } }", {}, row(OK, OK, F, F, OK)),
        "accessLogSample": (
            "query($u: ID!, $f: DateTime!, $t: DateTime!) "
            "{ accessLogSample(unitId: $u, from: $f, to: $t) { id } }",
            {"u": unit, "f": period["from"], "t": period["to"]},
            row(OK, OK, F, F, N),
        ),
        "recordLogReview": (
            "mutation($i: RecordLogReviewInput!) { recordLogReview(input: $i) { id } }",
            {"i": {"unitId": unit, **period, "findings": "Inga avvikelser"}},
            row(OK, OK, F, F, N),
        ),
        "logReviews": ("{ logReviews { id } }", {}, row(OK, OK, F, F, OK)),
        "logReviews(unit)": (
            "query($u: ID) { logReviews(unitId: $u) { id } }",
            {"u": unit},
            row(OK, OK, F, F, N),
        ),
        "createUnit": (
            'mutation { createUnit(name: "Ekbacken") { id } }',
            {},
            row(OK, F, F, F, F),
        ),
        "createUser": (CREATE_USER, new_user, row(OK, F, F, F, F)),
        "orderRole": (
            "mutation($i: OrderRoleInput!) { orderRole(input: $i) { id } }",
            {
                "i": {
                    "userId": stack.demo["anna"].user_id,
                    "unitId": unit,
                    "role": "SOL_ADMIN",
                    "action": "GRANT",
                }
            },
            row(F, OK, F, F, N),
        ),
        "orderRole(user outside the unit)": (
            "mutation($i: OrderRoleInput!) { orderRole(input: $i) { id } }",
            {"i": {"userId": other_user, "unitId": unit, "role": "SOL_ADMIN", "action": "GRANT"}},
            row(F, N, F, F, N),
        ),
        "rejectRoleOrder": (
            'mutation($o: ID!) { rejectRoleOrder(orderId: $o, reason: "Nej") { id } }',
            {"o": order_id},
            row(OK, F, F, F, F),
        ),
        "approveRoleOrder": (
            "mutation($o: ID!) { approveRoleOrder(orderId: $o) { id } }",
            None,  # a fresh order each time, made below
            row(OK, F, F, F, F),
        ),
        "rotateSigningKey": ("mutation { rotateSigningKey }", {}, row(OK, F, F, F, F)),
        # Last: it ends the other unit manager's access.
        "deactivateUser": (
            "mutation($u: ID!) { deactivateUser(userId: $u) { id } }",
            {"u": other_user},
            row(OK, F, F, F, F),
        ),
    }
    wrong = []
    # The system administrator goes last: its successes change state the others rely on.
    callers = ["anonymous", "CARE_STAFF", "SOL_ADMIN", "OTHER_UNIT_MANAGER", "UNIT_MANAGER"]
    for name, (query, variables, expected) in matrix.items():
        for caller in [*callers, "SYSTEM_ADMIN"]:
            if name == "approveRoleOrder":
                args = {"o": order_id if caller != "SYSTEM_ADMIN" else await pending_order()}
            elif callable(variables):
                args = variables()
            else:
                args = variables
            got = await outcome(clients[caller], query, args)
            if got != expected[caller]:
                wrong.append(f"{name} as {caller}: expected {expected[caller]}, got {got}")
    assert not wrong, "\n".join(wrong)


async def test_lists_show_only_the_callers_units(stack):
    admin = await stack.as_user("admin")
    other_unit, _user, other_manager = await second_unit_with_manager(stack, admin)
    manager = await stack.as_user("chef")
    assert {u["id"] for u in (await admin("{ units { id } }"))["units"]} == {
        stack.unit_id,
        other_unit,
    }
    assert [u["id"] for u in (await manager("{ units { id } }"))["units"]] == [stack.unit_id]
    names = {u["username"] for u in (await manager("{ users { username } }"))["users"]}
    assert names == {"chef", "soladmin", "anna", "bo"}
    others = {u["username"] for u in (await other_manager("{ users { username } }"))["users"]}
    assert others == {"olle"}
    # E-mail addresses are for administrators and the person's managers only.
    staff = await stack.as_user("soladmin")
    seen = (await staff("{ users { username email } }"))["users"]
    assert all(u["email"] is None for u in seen if u["username"] != "soladmin")
    assert all(u["email"] for u in (await manager("{ users { email } }"))["users"])

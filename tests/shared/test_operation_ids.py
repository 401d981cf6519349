"""Operation ids by the rule of shared.operation_ids: the resource, then what is done to it."""

import pytest
from fastapi import APIRouter, FastAPI

from shared.operation_ids import derive, for_resource, operation_id


@pytest.mark.parametrize(("tag", "function", "method", "expected"), [
    ("programmes", "list_programmes", "GET", "programmes_list"),
    ("programmes", "get_programme", "GET", "programmes_get"),
    ("programmes", "programme_statistics", "GET", "programmes_statistics"),
    ("placements", "accept_employer", "POST", "placements_accept_employer"),
    ("vacancies", "create_vacancy", "POST", "vacancies_create"),
    ("follow-ups", "list_follow_ups", "GET", "follow_ups_list"),
    ("follow-up schedules", "get_schedule", "GET", "follow_up_schedules_get"),
    ("returnee cases", "case_follow_ups", "GET", "returnee_cases_follow_ups"),
    ("support measures", "create_measure", "POST", "support_measures_create"),
    ("training", "create_training_module", "POST", "training_create_module"),
    ("indicators", "indicators", "GET", "indicators_get"),
    ("auth", "token", "POST", "auth_token"),
])
def test_the_resource_then_the_action(tag: str, function: str, method: str,
                                      expected: str) -> None:
    assert derive(tag, function, method) == expected


def test_apps_and_routers_name_their_routes_by_the_rule() -> None:
    shared = APIRouter(prefix="/v1/webhooks/one/subscriptions", tags=["webhooks"],
                       generate_unique_id_function=for_resource("webhooks one subscriptions"))

    @shared.get("")
    async def list_subscriptions() -> list[str]:
        return []

    admin = APIRouter(tags=["auth"])

    @admin.post("/v1/admin/accounts", tags=["admin"])
    async def create_account() -> None: ...

    @admin.get("/v1/me", operation_id="auth_me")
    async def who_am_i() -> None: ...

    app = FastAPI(generate_unique_id_function=operation_id)
    app.include_router(shared)
    app.include_router(admin)
    ids = {(method, path): op["operationId"] for path, item in app.openapi()["paths"].items()
           for method, op in item.items()}
    assert ids == {("get", "/v1/webhooks/one/subscriptions"): "webhooks_one_subscriptions_list",
                   ("post", "/v1/admin/accounts"): "admin_create_account",
                   ("get", "/v1/me"): "auth_me"}

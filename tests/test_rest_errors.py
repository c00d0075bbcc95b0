"""Every error of the tree has a documented status; an operator-fixable api.yaml problem is a 409, not a 500."""

from __future__ import annotations

import inspect

import pytest

import core.errors
from core.errors import LpmError
from core.rest.errors import STATUS, status_of

ERROR_CLASSES = [c for _, c in inspect.getmembers(core.errors, inspect.isclass) if issubclass(c, LpmError)]


def test_the_tree_is_found():
    assert len(ERROR_CLASSES) >= 15 and core.errors.ConfigWriteError in ERROR_CLASSES


@pytest.mark.parametrize("error_class", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_every_error_class_has_its_own_status(error_class):
    assert error_class in STATUS, f"core.rest.errors.STATUS has no row for {error_class.__name__}"
    assert status_of(error_class("x")) == STATUS[error_class]


def test_a_subclass_without_a_row_takes_its_nearest_ancestors_status():
    class Later(core.errors.UpstreamTimeout):
        pass

    assert status_of(Later("x")) == 504


async def test_an_invalid_api_yaml_makes_the_plan_a_409_config_write_failed(api, settings):
    settings.uniapi_config_path.parent.mkdir(parents=True, exist_ok=True)
    settings.uniapi_config_path.write_text("providers: [unclosed\n")
    response = await api.get("/api/config/plan")
    assert (response.status_code, response.json()["code"]) == (409, "config_write_failed")
    assert "api.yaml" in response.json()["detail"]
    assert settings.uniapi_config_path.read_text() == "providers: [unclosed\n"


async def test_openapi_lists_the_plan_and_sync_models(api):
    schema = (await api.get("/openapi.json")).json()
    assert {"PlanPublic", "PlanChange", "PlanConflict", "SyncStarted"} <= set(schema["components"]["schemas"])
    plan = schema["paths"]["/api/config/plan"]["get"]["responses"]["200"]
    assert plan["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PlanPublic"}
    for path, status, model in [
        ("/api/config/sync", "200", "PlanPublic"),
        ("/api/config/sync", "202", "SyncStarted"),
        ("/api/config/sync/{sync_id}/retry", "202", "SyncStarted"),
    ]:
        response = schema["paths"][path]["post"]["responses"][status]
        assert response["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}


async def test_unknown_api_paths_answer_json_404(api):
    response = await api.get("/api/nothing/here")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")

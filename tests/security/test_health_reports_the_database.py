"""A database that breaks while the manager runs makes /api/health say so (issue 11, point 13)."""

from __future__ import annotations

from tortoise import Tortoise


async def test_health_is_ok_while_the_registry_answers(api):
    answer = await api.get("/api/health")
    assert (answer.status_code, answer.json()["status"], answer.json()["database"]) == (200, "ok", "ok")


async def test_health_answers_503_when_the_registry_cannot_be_read(api, settings):
    await Tortoise.get_connection("default").execute_script('DROP TABLE "sync_record"')
    answer = await api.get("/api/health")
    assert (answer.status_code, answer.json()["status"]) == (503, "unhealthy")
    assert "sync_record" in answer.json()["database"]
    assert str(settings.data_dir) not in answer.text  # never the database's location or URL

"""Settings: defaults that run on one machine, one clear line naming a bad variable, .env honoured."""

from __future__ import annotations

import pytest

from core.crypto import generate_key
from core.errors import StartupError
from core.settings import PROJECT_ROOT, VARIABLES, Settings, load_environment

KEY = generate_key()


def test_defaults_run_on_one_machine():
    settings = Settings.from_env({"ENCRYPTION_KEY": KEY})
    assert settings.database_url == f"sqlite://{PROJECT_ROOT / 'data' / 'manager.db'}"
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.gptload_url == "http://127.0.0.1:3001"
    assert settings.uniapi_config_path == PROJECT_ROOT / "data" / "uni-api" / "api.yaml"
    assert settings.is_loopback


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"ENCRYPTION_KEY": ""}, "ENCRYPTION_KEY"),
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"HOST": "0.0.0.0"}, "HOST"),
        ({"GPTLOAD_URL": "localhost:3001"}, "GPTLOAD_URL"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"UNIAPI_MODEL_LISTS": "some"}, "UNIAPI_MODEL_LISTS"),
        ({"UNIAPI_WRITE_MODE": "rename"}, "UNIAPI_WRITE_MODE"),
        ({"UNIAPI_GPTLOAD_URL": "gptload:3001"}, "UNIAPI_GPTLOAD_URL"),
        ({"GPTLOAD_CONCURRENCY": "0"}, "GPTLOAD_CONCURRENCY"),
        ({"UPSTREAM_TIMEOUT": "0"}, "UPSTREAM_TIMEOUT"),
        ({"UPSTREAM_TIMEOUT": "soon"}, "UPSTREAM_TIMEOUT"),
        ({"TEST_CONCURRENCY": "0"}, "TEST_CONCURRENCY"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_invalid_setting_names_the_variable_in_one_line(env, variable):
    with pytest.raises(StartupError) as caught:
        Settings.from_env({"ENCRYPTION_KEY": KEY, **env})
    assert caught.value.detail.startswith(variable) or f"{variable}=" in caught.value.detail
    assert "\n" not in caught.value.detail


def test_public_bind_is_allowed_with_an_admin_password():
    settings = Settings.from_env({"ENCRYPTION_KEY": KEY, "HOST": "0.0.0.0", "ADMIN_PASSWORD": "pw"})
    assert not settings.is_loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts_need_no_password(host):
    assert Settings.from_env({"ENCRYPTION_KEY": KEY, "HOST": host}).is_loopback


def test_env_file_is_honoured_and_the_environment_wins(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text(f"ENCRYPTION_KEY={KEY}\nPORT=9090\nLOG_LEVEL=DEBUG\n")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.delenv("PORT", raising=False)
    settings = Settings.from_env(load_environment(env_file))
    assert (settings.port, settings.log_level, settings.encryption_key) == (9090, "WARNING", KEY)


def test_every_variable_has_help_text():
    assert all(v.help for v in VARIABLES)
    assert len({v.name for v in VARIABLES}) == len(VARIABLES)

"""docker-compose.yml names what the project really has."""

import importlib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load_compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_every_service_of_the_deployment():
    services = load_compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "mailpit"} <= set(services)
    for name in ("postgres", "redis", "web", "mailpit"):
        assert "healthcheck" in services[name], name


def test_compose_commands_name_real_modules():
    services = load_compose()["services"]
    web = services["web"]["command"]
    assert web[0] == "gunicorn"
    module, _, attribute = web[1].partition(":")
    assert callable(getattr(importlib.import_module(module), attribute))

    for name in ("worker", "beat"):
        command = services[name]["command"]
        app_name = command[command.index("-A") + 1]
        assert importlib.import_module(app_name).celery_app.main == "riskregister"
    beat = services["beat"]["command"]
    scheduler_path = beat[beat.index("--scheduler") + 1]
    module, _, attribute = scheduler_path.partition(":")
    assert getattr(importlib.import_module(module), attribute)

    settings_module = services["web"]["environment"]["DJANGO_SETTINGS_MODULE"]
    assert importlib.import_module(settings_module).ROOT_URLCONF == "riskregister.urls"


def test_compose_gets_secrets_from_the_environment():
    environment = load_compose()["services"]["web"]["environment"]
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert environment["CHANNEL_SECRET_KEY"].startswith("${CHANNEL_SECRET_KEY:?")
    assert environment["DEBUG"] == "false"

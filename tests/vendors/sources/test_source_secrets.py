"""A source's API key comes only from an allowed environment variable, and goes only to its own host."""

import pytest
from django.contrib.auth.models import User
from pytest_httpserver import HTTPServer

from tests.api.conftest import client_for
from tests.factories import AIModelFactory, OfferingFactory, VendorFactory
from tests.vendors import payloads
from tests.vendors.helpers import ChangingAnswer, check, make_source
from vendors.models import StatusSource

pytestmark = pytest.mark.django_db

SERVER_SECRETS = ["SECRET_KEY", "EMAIL_HOST_PASSWORD", "DATABASE_URL"]


@pytest.fixture
def openai():
    vendor = VendorFactory(slug="openai", name="OpenAI")
    OfferingFactory(model=AIModelFactory(provider=vendor, slug="gpt-5-1"), distributor_model_id="gpt-5.1")
    return vendor


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("curator", "curator@example.com", "a long admin password 1")


@pytest.mark.parametrize("name", SERVER_SECRETS)
def test_a_server_secret_is_refused_when_the_source_is_saved_by_the_api(name, admin_user, openai):
    body = {"name": "mine", "kind": "openai_models", "url": "https://models.example.com/v1/models",
            "vendor": openai.id, "interval": 300, "config": {"api_key_env": name}}
    response = client_for(admin_user).post("/api/v1/status-sources/", body, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "api_key_env" in fields["config"]
    assert "SOURCE_SECRET_" in str(fields["config"]["api_key_env"])
    assert not StatusSource.objects.exists()


def test_a_server_secret_is_a_form_error_in_the_admin(client, admin_user, openai):
    client.force_login(admin_user)
    response = client.post("/admin/vendors/statussource/add/", {
        "name": "mine", "kind": "anthropic_models", "url": "https://models.example.com/v1/models",
        "vendor": openai.id, "interval": 300, "enabled": "on", "config": '{"api_key_env": "SECRET_KEY"}',
    })
    assert response.status_code == 200  # the form again, with its errors
    assert "api_key_env" in response.content.decode() and "SOURCE_SECRET_" in response.content.decode()
    assert not StatusSource.objects.exists()


def test_a_source_saved_before_the_rule_fails_its_check_and_sends_nothing(httpserver, openai, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "the-server-secret-key-that-must-stay-home")
    answer = ChangingAnswer(httpserver, "/v1/models", payloads.openai_models(["gpt-5.1"]))
    # Written around the validation, as a row from before the rule is.
    source = StatusSource.objects.create(name="old", kind="openai_models", url=answer.url, vendor=openai,
                                         interval=60, config={"api_key_env": "SECRET_KEY"})
    result, changes = check(source)
    assert not result.ok and changes == []
    assert "SECRET_KEY" in result.error and "may not read" in result.error
    assert answer.requests == []
    assert source.consecutive_failures == 1 and not source.is_healthy
    assert "may not read" in source.last_error


def test_an_explicitly_allowed_name_is_accepted_and_sent(httpserver, openai, settings, monkeypatch):
    settings.SOURCE_SECRET_ENV_ALLOWED = ["OPENAI_API_KEY"]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-allowed-1")
    answer = ChangingAnswer(httpserver, "/v1/models", payloads.openai_models(["gpt-5.1"]))
    source = make_source("openai_models", answer.url, vendor=openai, config={"api_key_env": "OPENAI_API_KEY"})
    assert check(source)[0].ok
    assert answer.requests[-1].headers["Authorization"] == "Bearer sk-allowed-1"


def test_the_prefix_is_a_setting(openai, settings):
    from django.core.exceptions import ValidationError

    settings.SOURCE_SECRET_ENV_PREFIX = "REGISTER_SOURCE_"
    make_source("openai_models", "https://models.example.com/v1/models", vendor=openai,
                config={"api_key_env": "REGISTER_SOURCE_OPENAI"})
    with pytest.raises(ValidationError):
        make_source("openai_models", "https://models.example.com/v1/models", vendor=openai,
                    config={"api_key_env": "SOURCE_SECRET_OPENAI"}, name="second")


def test_the_key_is_not_sent_to_another_origin_after_a_redirect(httpserver, openai, monkeypatch):
    monkeypatch.setenv("SOURCE_SECRET_OPENAI", "sk-stays-with-its-host")
    elsewhere = HTTPServer(host="127.0.0.1", port=0)
    elsewhere.start()
    try:
        moved = ChangingAnswer(elsewhere, "/v1/models", payloads.openai_models(["gpt-5.1"]))
        httpserver.expect_request("/v1/models").respond_with_data("", status=302, headers={"Location": moved.url})
        source = make_source("openai_models", httpserver.url_for("/v1/models"), vendor=openai,
                             config={"api_key_env": "SOURCE_SECRET_OPENAI"})
        assert check(source)[0].ok
        first = httpserver.log[0][0]
        assert first.headers["Authorization"] == "Bearer sk-stays-with-its-host"
        (followed,) = moved.requests
        assert "Authorization" not in followed.headers
        assert "sk-stays-with-its-host" not in str(dict(followed.headers))
    finally:
        elsewhere.stop()


@pytest.mark.parametrize("env, message", [
    ({"SOURCE_SECRET_ENV_PREFIX": ""}, "SOURCE_SECRET_ENV_PREFIX=''"),
    ({"SOURCE_SECRET_ENV_PREFIX": "SECRET_"}, "the server's own secrets"),
    ({"SOURCE_SECRET_ENV_ALLOWED": "OPENAI_API_KEY,DATABASE_URL"}, "SOURCE_SECRET_ENV_ALLOWED names 'DATABASE_URL'"),
])
def test_settings_that_would_open_the_servers_secrets_stop_start_up(env, message):
    from tests.core.test_settings import run_manage

    result = run_manage("check", env_overrides={"DEBUG": "true", **env})
    assert result.returncode != 0
    assert message in result.stderr

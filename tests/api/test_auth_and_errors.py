import logging

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import client_for
from tests.conftest import PASSWORD
from tests.factories import VendorFactory

TOKEN_URL = "/api/v1/auth/token/"


def test_token_is_issued_for_a_username_and_password_and_works(member_a):
    client = APIClient()
    response = client.post(TOKEN_URL, {"username": "member-a", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=member_a).key == token
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/teams/").status_code == 200


def test_token_request_accepts_a_form_body(member_a):
    response = APIClient().post(TOKEN_URL, {"username": "member-a", "password": PASSWORD}, format="multipart")
    # multipart is not offered; a urlencoded form is, as `curl -d` sends it.
    assert response.status_code == 415
    response = APIClient().generic(
        "POST", TOKEN_URL, f"username=member-a&password={PASSWORD}", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200


def test_revoked_token_no_longer_authenticates(member_a):
    client = client_for(member_a)
    assert client.delete(TOKEN_URL).status_code == 204
    assert not Token.objects.filter(user=member_a).exists()
    response = client.get("/api/v1/teams/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_wrong_password_is_401_and_logged_without_the_password(member_a, caplog):
    with caplog.at_level(logging.WARNING, logger="riskregister.api.auth"):
        response = APIClient().post(TOKEN_URL, {"username": "member-a", "password": "not-it-xyzzy"}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    messages = [record.getMessage() for record in caplog.records]
    assert any("member-a" in message and "127.0.0.1" in message for message in messages)
    assert not any("not-it-xyzzy" in record.getMessage() for record in caplog.records)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_sign_in_is_locked_out_per_username_and_address_after_repeated_failures(member_a, lead_a):
    client = APIClient()
    for _ in range(2):
        assert client.post(TOKEN_URL, {"username": "member-a", "password": "wrong"}, format="json").status_code == 401
    locked = client.post(TOKEN_URL, {"username": "member-a", "password": "wrong"}, format="json")
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"
    # Even the right password is refused while locked out ...
    again = client.post(TOKEN_URL, {"username": "member-a", "password": PASSWORD}, format="json")
    assert again.status_code == 429
    # ... for that username from that address, not for another user, nor from another address.
    assert client.post(TOKEN_URL, {"username": "lead-a", "password": PASSWORD}, format="json").status_code == 200
    elsewhere = APIClient(REMOTE_ADDR="10.0.0.9")
    assert elsewhere.post(TOKEN_URL, {"username": "member-a", "password": PASSWORD}, format="json").status_code == 200


def test_anonymous_request_is_401_in_the_error_shape(db):
    response = APIClient().get("/api/v1/vendors/")
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "not_authenticated", "message": "Authentication credentials were not provided.", "fields": {}}
    }
    assert response["WWW-Authenticate"].startswith("Token")


def test_bad_input_is_400_with_the_fields_at_fault(admin):
    response = client_for(admin).post("/api/v1/vendors/", {"name": "", "slug": "not a slug"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"name", "slug"}


def test_malformed_json_is_400_not_500(admin):
    response = client_for(admin).generic("POST", "/api/v1/vendors/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_duplicate_slug_is_a_409_conflict(admin):
    VendorFactory(slug="anthropic")
    response = client_for(admin).post("/api/v1/vendors/", {"name": "Anthropic", "slug": "anthropic"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert "slug" in response.json()["error"]["fields"]


def test_throttled_requests_get_429_in_the_error_shape(member_a, monkeypatch):
    from rest_framework.throttling import UserRateThrottle

    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {**UserRateThrottle.THROTTLE_RATES, "user": "2/minute"})
    client = client_for(member_a)
    statuses = [client.get("/api/v1/vendors/").status_code for _ in range(2)]
    throttled = client.get("/api/v1/vendors/")
    assert statuses == [200, 200]
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"


def test_schema_and_docs_are_readable_without_signing_in(db):
    client = APIClient()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/dependencies/" in schema.json()["paths"] or "/api/v1/vendors/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    # Served offline from the sidecar, never from a CDN.
    assert b"cdn.jsdelivr" not in docs.content and b"unpkg.com" not in docs.content

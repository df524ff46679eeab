"""Sign-in: attempts are limited per username and address, failures are logged without the password,
and a sign-in starts a new session that sign-out ends."""

import logging

import pytest
from django.conf import settings

from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


def test_repeated_failures_lock_the_username_at_that_address(client, admin, caplog):
    wrong = "not-the-password-7731"
    with caplog.at_level(logging.INFO):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            response = client.post(LOGIN, {"username": "admin", "password": wrong})
            assert response.status_code == 200  # the form again, with an error
        # The failure that reaches the limit is answered with the lock-out itself.
        assert client.post(LOGIN, {"username": "admin", "password": wrong}).status_code == 429
    locked = client.post(LOGIN, {"username": "admin", "password": PASSWORD})
    assert locked.status_code == 429
    assert "admin" in caplog.text and "127.0.0.1" in caplog.text
    assert wrong not in caplog.text
    assert PASSWORD not in caplog.text


def test_a_lockout_does_not_reach_another_username(client, admin):
    UserFactory(username="second-admin", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "admin", "password": "wrong-password-123"})
    response = client.post(LOGIN, {"username": "second-admin", "password": PASSWORD})
    assert response.status_code == 302


def test_sign_in_starts_a_new_session_and_sign_out_ends_it(client, admin):
    client.get(LOGIN)
    before = client.cookies.get(settings.SESSION_COOKIE_NAME)
    response = client.post(LOGIN, {"username": "admin", "password": PASSWORD})
    assert response.status_code == 302
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert before is None or before.value != session_key
    assert client.get("/admin/").status_code == 200
    client.post("/admin/logout/")
    assert client.get("/admin/").status_code == 302
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session_key).exists()

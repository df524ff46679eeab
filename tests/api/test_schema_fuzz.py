"""Schemathesis against the live OpenAPI schema, through the WSGI application and the test database:
a bounded number of generated requests per operation, authenticated as an admin (who may reach every
operation) and as the lead of team A (who writes to its own rows and is refused the rest), with no
server error and every response conforming to the schema.

`DELETE /auth/token/` revokes the very token the run signs in with, so it is left out here; its
own tests are in test_auth_and_errors.py."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from riskregister.wsgi import application
from tests.api.world import world  # noqa: F401  (fixture)

ADMIN_TOKEN = "fuzz0000000000000000000000000000000000ad"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture
def keep_test_connection():
    """The WSGI handler closes the database connection after each request, as in production; the
    test database lives in this connection's transaction, so keep it open, as Django's test client does."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Read at collection: generating the schema touches no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application).exclude(
    name="DELETE /api/v1/auth/token/"
)


def _signed_in_as(user, key: str) -> dict:
    Token.objects.filter(user=user).delete()
    Token.objects.create(user=user, key=key)
    return {"Authorization": f"Token {key}"}


@schema.parametrize()
@hypothesis_settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_get_no_server_error_and_conform_to_the_schema(case, keep_test_connection, world, admin):
    case.call_and_validate(headers=_signed_in_as(admin, ADMIN_TOKEN), checks=CHECKS)


LEAD_TOKEN = "fuzz00000000000000000000000000000000lead"


@schema.parametrize()
@hypothesis_settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_of_a_team_lead_get_no_server_error_and_conform(case, keep_test_connection, world, lead_a):
    # The lead of team A writes to its own rows and meets 403s and 404s on the rest: those answers
    # are documented too, and none of team B's rows is ever in one.
    response = case.call_and_validate(headers=_signed_in_as(lead_a, LEAD_TOKEN), checks=CHECKS)
    assert "only-team-b" not in response.text

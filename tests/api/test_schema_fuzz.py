"""Schemathesis against the live OpenAPI schema, through the WSGI application and the test database:
a bounded number of generated requests per operation, authenticated as an admin (who may reach every
operation), with no server error and every response conforming to the schema."""

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
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@schema.parametrize()
@hypothesis_settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_get_no_server_error_and_conform_to_the_schema(case, keep_test_connection, world, admin):
    # DELETE /auth/token/ is one of the operations: put the token back so the run stays signed in.
    Token.objects.get_or_create(user=admin, defaults={"key": ADMIN_TOKEN})
    Token.objects.filter(user=admin).exclude(key=ADMIN_TOKEN).update(key=ADMIN_TOKEN)
    case.call_and_validate(headers={"Authorization": f"Token {ADMIN_TOKEN}"}, checks=CHECKS)


LEAD_TOKEN = "fuzz00000000000000000000000000000000lead"


@schema.parametrize()
@hypothesis_settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_refusals_to_a_team_lead_conform_to_the_schema_too(case, keep_test_connection, world, lead_b):
    # The lead of team B meets 403s and 404s on most of world's rows: those answers are documented too.
    Token.objects.get_or_create(user=lead_b, defaults={"key": LEAD_TOKEN})
    Token.objects.filter(user=lead_b).exclude(key=LEAD_TOKEN).update(key=LEAD_TOKEN)
    response = case.call_and_validate(headers={"Authorization": f"Token {LEAD_TOKEN}"}, checks=CHECKS)
    assert "only-team-a" not in response.text

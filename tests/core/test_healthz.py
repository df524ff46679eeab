from datetime import timedelta

import pytest
from django.utils import timezone

from riskregister.core.models import WorkerHeartbeat
from tests.conftest import _use_broker
from riskregister.celery import app as celery_app


@pytest.fixture
def fresh_heartbeat(db):
    return WorkerHeartbeat.objects.create(worker="celery@test", beat_at=timezone.now() - timedelta(seconds=5))


def test_healthz_is_unhealthy_when_no_worker_has_ever_beaten(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["worker"] == "stale"
    assert body["worker_heartbeat_age_seconds"] == -1


def test_healthz_is_healthy_with_a_recent_heartbeat(client, fresh_heartbeat):
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body == body | {"status": "ok", "database": "ok", "broker": "ok", "worker": "ok"}
    assert isinstance(body["worker_heartbeat_age_seconds"], float)
    assert 4 <= body["worker_heartbeat_age_seconds"] < 120


def test_healthz_is_unhealthy_when_the_heartbeat_is_older_than_two_minutes(client, db):
    WorkerHeartbeat.objects.create(worker="celery@test", beat_at=timezone.now() - timedelta(seconds=121))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker_heartbeat_age_seconds"] >= 121


def test_healthz_is_unhealthy_when_the_broker_cannot_be_reached(client, fresh_heartbeat):
    original = celery_app.conf.broker_url
    _use_broker("redis://127.0.0.1:9/0")  # the discard port: nothing listens there
    try:
        response = client.get("/healthz")
    finally:
        _use_broker(original)
    assert response.status_code == 503
    assert response.json()["broker"] == "error"

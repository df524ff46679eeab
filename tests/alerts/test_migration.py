"""The migration to Delivery rows: each recipient of an existing alert becomes a delivery in the
state of its alert, and nothing is sent again."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("alerts", "0002_channel_of_subscriptions_and_alerts")]
AFTER = [("alerts", "0003_deliveries_per_recipient")]


@pytest.fixture
def latest_schema_after():
    """Leave the test database at the latest migrations of every app, as the other tests expect it
    (going back to 0002 also unapplies the events' migrations, which depend on it)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_alerts_become_one_delivery_per_recipient_in_their_state(latest_schema_after):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Team = old.get_model("teams", "Team")
    Alert = old.get_model("alerts", "Alert")
    team = Team.objects.create(name="Platform", slug="platform")
    sent_at = timezone.now()
    retry_at = timezone.now() + timezone.timedelta(minutes=5)

    def alert(key, **fields):
        return Alert.objects.create(uuid=uuid.uuid4(), kind="change", team=team, dedupe_key=key, subject=key,
                                    body_text="", **fields)

    sent = alert("sent", recipients=["a@example.com", "b@example.com"], status="sent", sent_at=sent_at, attempts=1)
    failed = alert("failed", recipients=["c@example.com"], status="failed", attempts=1, last_error="550 5.1.1 No such mailbox")
    pending = alert("pending", recipients=["d@example.com"], status="pending", attempts=2, last_error="451 later",
                    next_attempt_at=retry_at)
    digested = alert("digested", recipients=[], status="digested", mode="daily_digest")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Delivery = new.get_model("alerts", "Delivery")

    rows = {d.target: d for d in Delivery.objects.all()}
    assert sorted(rows) == ["a@example.com", "b@example.com", "c@example.com", "d@example.com"]
    assert {rows["a@example.com"].alert_id, rows["b@example.com"].alert_id} == {sent.id}
    assert all(rows[t].status == "sent" and rows[t].sent_at == sent_at for t in ("a@example.com", "b@example.com"))
    assert (rows["c@example.com"].alert_id, rows["c@example.com"].status, rows["c@example.com"].last_error) == (
        failed.id, "failed", "550 5.1.1 No such mailbox")
    d = rows["d@example.com"]
    assert (d.alert_id, d.status, d.attempts, d.next_attempt_at, d.last_error) == (pending.id, "pending", 2, retry_at, "451 later")
    assert not Delivery.objects.filter(alert_id=digested.id).exists()
    assert new.get_model("alerts", "Alert").objects.get(id=digested.id).status == "digested"

"""Changes recorded by hand: the command and the admin form travel the same way as detected ones."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from riskregister.alerts.models import Alert
from vendors.models import StatusChange

pytestmark = pytest.mark.django_db


def test_record_change_bans_the_model_and_emails_each_affected_team(world, smtp_server):
    out = StringIO()
    call_command(
        "record_change", "--model", "claude-fable-5", "--lifecycle", "banned", "--title", "export-control ban",
        "--link", "https://www.federalregister.gov/d/2026-00001", "--effective-date", "2026-12-01", "--send",
        stdout=out,
    )

    change = StatusChange.objects.get()
    assert change.source_id is None and change.kind == "lifecycle" and change.current_value == "banned"
    assert change.severity == "critical" and change.effective_at.date().isoformat() == "2026-12-01"
    world.fable.refresh_from_db()
    assert world.fable.lifecycle == "banned"
    assert "sent 2, retried 0, failed 0" in out.getvalue()
    assert "export-control ban (active -> banned), effective 2026-12-01 (recorded by hand)" in smtp_server.received[0].part("text/plain")
    received = {mail.subject: sorted(mail.recipients) for mail in smtp_server.received}
    assert received == {
        "[critical] Claude Fable 5: export-control ban — 3 of your services affected": [
            "platform-0@example.com", "platform-1@example.com"],
        "[critical] Claude Fable 5: export-control ban — 1 of your services affected": ["search-0@example.com"],
    }


def test_record_change_without_send_leaves_it_to_the_dispatcher(world, smtp_server):
    call_command("record_change", "--offering", str(world.fable_bedrock.id), "--status", "major_outage", stdout=StringIO())
    world.fable_bedrock.refresh_from_db()
    assert world.fable_bedrock.status == "major_outage"
    assert not Alert.objects.exists()

    out = StringIO()
    call_command("send_alerts", stdout=out)

    assert "2 alert(s) written; sent 2, retried 0, failed 0" in out.getvalue()
    assert sorted((mail.recipients, mail.subject) for mail in smtp_server.received) == [
        (["platform-0@example.com", "platform-1@example.com"],
         "[major] Claude Fable 5 via Bedrock: major outage — 1 of your services affected"),
        (["search-0@example.com"], "[major] Claude Fable 5 via Bedrock: major outage — 1 of your services affected"),
    ]


def test_record_change_refuses_an_unknown_subject(world):
    with pytest.raises(CommandError, match="No such model"):
        call_command("record_change", "--model", "no-such-model", "--lifecycle", "banned", stdout=StringIO())
    assert not StatusChange.objects.exists()


def test_send_alerts_reports_retries_and_failures(world, smtp_server):
    smtp_server.handler.data_replies = ["451 4.3.0 Busy"]
    smtp_server.handler.rcpt_replies = []
    call_command("record_change", "--vendor", "fable-labs", "--lifecycle", "banned", "--title", "ban", stdout=StringIO())
    out = StringIO()

    call_command("send_alerts", stdout=out)

    assert "sent 1, retried 1, failed 0" in out.getvalue()


def test_admin_records_a_change_through_the_form(world, admin, client):
    client.force_login(admin)
    url = reverse("admin:alerts_record_change")

    response = client.post(url, {"model": world.fable.id, "change": "lifecycle:banned", "title": "export-control ban",
                                 "link": "https://www.federalregister.gov/d/2026-00001"})

    assert response.status_code == 302
    change = StatusChange.objects.get()
    assert change.recorded_by == admin and change.severity == "critical" and change.model == world.fable
    world.fable.refresh_from_db()
    assert world.fable.lifecycle == "banned"
    assert client.get(reverse("admin:alerts_alert_changelist")).status_code == 200


def test_admin_form_needs_exactly_one_subject(world, admin, client):
    client.force_login(admin)
    response = client.post(reverse("admin:alerts_record_change"),
                           {"model": world.fable.id, "vendor": world.bedrock.id, "change": "status:major_outage"})

    assert response.status_code == 200
    assert "exactly one subject" in response.content.decode()
    assert not StatusChange.objects.exists()


def test_a_lead_may_not_record_a_change(world, lead_a, client):
    client.force_login(lead_a)

    response = client.post(reverse("admin:alerts_record_change"), {"model": world.fable.id, "change": "lifecycle:banned"})

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not StatusChange.objects.exists()

"""The code scan as import jobs: upload a zip on the team page or through the API, follow the job,
register what it found. Jobs are run by calling the worker's service, as the task does."""

import io
import logging
import zipfile

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from riskregister.imports.models import ImportJob
from riskregister.imports.services import import_job_run
from riskregister.risks.models import Dependency
from tests.api.conftest import client_for
from tests.scan.conftest import SAMPLE, SECRETS

pytestmark = pytest.mark.django_db


def sample_zip(extra: dict[str, bytes] | None = None, *, compression=zipfile.ZIP_STORED) -> bytes:
    """The sample project zipped under a top folder, stored uncompressed so that the .env's secrets
    are in the upload's bytes as they are."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for path in sorted(SAMPLE.rglob("*")):
            if path.is_file():
                archive.write(path, f"support-bot/{path.relative_to(SAMPLE)}")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def web_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client, team, content: bytes, name="support-bot.zip", **fields):
    data = {"file": SimpleUploadedFile(name, content, content_type="application/zip"), "environment": "production",
            "criticality": "2", **fields}
    return client.post(reverse("web:code-scan", args=[team.slug]), data)


def every_stored_value() -> str:
    """Every row of every table, as text: what the database holds after the job."""
    dump = []
    for model in apps.get_models():
        for row in model._default_manager.all().values():
            dump.append(repr(row))
    return "\n".join(dump)


def test_lead_scans_a_zip_sees_findings_and_registers_them_once(lead_a, team_a, catalog, django_capture_on_commit_callbacks, caplog):
    caplog.set_level(logging.DEBUG)
    client = web_client(lead_a)
    team_page = client.get(reverse("web:team", args=[team_a.slug]))
    assert b'action="/teams/team-a/scan/"' in team_page.content
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(client, team_a, sample_zip())
    assert response.status_code == 302 and len(callbacks) == 1
    job = ImportJob.objects.get(kind="code_scan")
    assert job.options == {"environment": "production", "criticality": 2}
    assert SECRETS[0].encode() in bytes(job.content)  # the upload holds it until the job ends
    assert import_job_run(job_id=job.pk) == "succeeded"
    job.refresh_from_db()
    assert job.content is None and job.summary["system"] == "support-bot"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"support-bot/app/bedrock_summary.py:6" in page.content
    assert b"support-bot/notebooks/explore.ipynb:cell 3:2" in page.content
    assert b"Register these 6 dependencies" in page.content
    for secret in SECRETS:
        assert secret.encode() not in page.content
        assert secret not in repr(job.summary)
        assert secret not in every_stored_value()
        assert secret not in caplog.text

    with django_capture_on_commit_callbacks():
        applied = client.post(reverse("web:code-scan-apply", args=[team_a.slug, job.uuid]))
    assert applied.status_code == 302
    apply_job = ImportJob.objects.get(kind="code_scan_apply")
    assert import_job_run(job_id=apply_job.pk) == "succeeded"
    assert Dependency.objects.filter(team=team_a, system="support-bot", criticality=2).count() == 6
    assert b"Registered 6 dependencies" in client.get(applied["Location"]).content
    with django_capture_on_commit_callbacks():
        client.post(reverse("web:code-scan-apply", args=[team_a.slug, job.uuid]))
    again = ImportJob.objects.filter(kind="code_scan_apply").exclude(pk=apply_job.pk).get()
    import_job_run(job_id=again.pk)
    again.refresh_from_db()
    assert again.summary["created"] == 0 and again.summary["skipped"] == 6
    assert Dependency.objects.filter(team=team_a).count() == 6
    for secret in SECRETS:
        assert secret not in every_stored_value()


@pytest.mark.parametrize("member, message", [
    ("../../etc/cron.d/evil.py", "points outside the archive"),
    ("/etc/evil.py", "absolute path"),
])
def test_a_traversal_member_fails_the_scan_with_a_clear_error_and_writes_nothing(lead_a, team_a, catalog, member, message):
    upload(web_client(lead_a), team_a, sample_zip({member: b'm = "gpt-4o"\n'}))
    job = ImportJob.objects.get()
    assert import_job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert message in job.issues[0]["message"] and job.content is None
    assert not Dependency.objects.exists()
    page = web_client(lead_a).get(reverse("web:import-job", args=[team_a.slug, job.uuid]))
    assert message.encode() in page.content and b"Register these" not in page.content


def test_a_zip_bomb_fails_the_scan(lead_a, team_a, catalog):
    bomb = sample_zip({"support-bot/app/zeros.py": b"0" * (50 * 1024 * 1024)}, compression=zipfile.ZIP_DEFLATED)
    assert len(bomb) < 1024 * 1024
    upload(web_client(lead_a), team_a, bomb)
    job = ImportJob.objects.get()
    assert import_job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert "zip bomb" in job.issues[0]["message"]


def test_only_the_teams_leads_scan_and_apply(member_a, lead_b, lead_a, team_a, catalog):
    assert upload(web_client(member_a), team_a, sample_zip()).status_code == 403
    assert upload(web_client(lead_b), team_a, sample_zip()).status_code == 404
    assert not ImportJob.objects.exists()
    upload(web_client(lead_a), team_a, sample_zip())
    job = ImportJob.objects.get()
    import_job_run(job_id=job.pk)
    assert web_client(member_a).post(reverse("web:code-scan-apply", args=[team_a.slug, job.uuid])).status_code == 403
    assert web_client(lead_b).post(reverse("web:code-scan-apply", args=[team_a.slug, job.uuid])).status_code == 404
    page = web_client(member_a).get(reverse("web:import-job", args=[team_a.slug, job.uuid]))
    assert page.status_code == 200 and b"Register these" not in page.content
    assert ImportJob.objects.count() == 1


def test_api_scans_a_zip_and_applies_it(lead_a, member_a, lead_b, team_a, catalog):
    archive = io.BytesIO(sample_zip())
    archive.name = "support-bot.zip"
    response = client_for(lead_a).post(reverse("api:team-imports", args=[team_a.slug]),
                                       {"kind": "code_scan", "file": archive, "system": "bot", "criticality": 1},
                                       format="multipart")
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    import_job_run(job_id=job_id)
    detail = client_for(member_a).get(reverse("api:import-job-detail", args=[job_id])).json()
    assert detail["status"] == "succeeded" and detail["summary"]["proposal_count"] == 6
    assert client_for(member_a).post(reverse("api:import-job-apply", args=[job_id])).status_code == 403
    assert client_for(lead_b).post(reverse("api:import-job-apply", args=[job_id])).status_code == 404
    applied = client_for(lead_a).post(reverse("api:import-job-apply", args=[job_id]))
    assert applied.status_code == 202
    import_job_run(job_id=applied.json()["id"])
    assert Dependency.objects.filter(team=team_a, system="bot", criticality=1).count() == 6
    # Applying something that is not a finished scan is a 400 naming the job.
    refused = client_for(lead_a).post(reverse("api:import-job-apply", args=[applied.json()["id"]]))
    assert refused.status_code == 400 and "job" in refused.json()["error"]["fields"]


def test_applying_a_scan_whose_route_left_the_catalog_registers_nothing(lead_a, team_a, catalog):
    from riskregister.scan.services import code_scan_apply_start

    upload(web_client(lead_a), team_a, sample_zip())
    scan_job = ImportJob.objects.get()
    import_job_run(job_id=scan_job.pk)
    scan_job.refresh_from_db()
    catalog["gemini_direct"].delete()
    applied = code_scan_apply_start(scan_job=scan_job, actor=lead_a, run_now=True)
    assert applied.status == "failed"
    assert applied.issues == [{"where": "Gemini 2.5 Pro via Google", "message": "this route is no longer in the catalog"}]
    assert not Dependency.objects.exists()

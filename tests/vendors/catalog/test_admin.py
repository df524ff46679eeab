"""Admins upload a catalog in the admin; it runs as an import job in the background."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from riskregister.imports.models import ImportJob
from riskregister.imports.services import import_job_run
from tests.factories import UserFactory
from vendors.models import Offering

DATA = Path(__file__).with_name("data")


@pytest.mark.django_db
def test_admin_upload_stores_the_file_and_enqueues_an_import_job(django_capture_on_commit_callbacks):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/imports/importjob/")
    assert b"/admin/imports/importjob/catalog-upload/" in listing.content
    assert client.get("/admin/imports/importjob/catalog-upload/").status_code == 200
    upload = SimpleUploadedFile("prices.json", (DATA / "litellm_sample.json").read_bytes(), content_type="application/json")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/admin/imports/importjob/catalog-upload/", {"format": "litellm", "file": upload})
    assert response.status_code == 302, response.content[:500]
    assert len(callbacks) == 1
    job = ImportJob.objects.get()
    assert (job.kind, job.options, job.filename, job.status, job.created_by, job.team) == (
        "catalog", {"format": "litellm"}, "prices.json", "queued", admin, None)
    assert response["Location"] == f"/admin/imports/importjob/{job.pk}/change/"
    assert import_job_run(job_id=job.pk) == "succeeded"
    assert Offering.objects.filter(catalog_format="litellm").count() > 5
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"succeeded" in page.content and b"offerings_added" in page.content


@pytest.mark.django_db
def test_admin_upload_without_a_file_is_refused_on_the_form():
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    response = client.post("/admin/imports/importjob/catalog-upload/", {"format": "litellm"})
    assert response.status_code == 400 and not ImportJob.objects.exists()


@pytest.mark.django_db
def test_a_signed_in_non_staff_user_cannot_reach_the_upload(lead_a):
    client = Client()
    client.force_login(lead_a)
    response = client.get("/admin/imports/importjob/catalog-upload/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]

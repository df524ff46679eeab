"""Admins upload a catalog in the admin; the import runs in the background."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import UserFactory
from vendors.models import CatalogImport
from vendors.services import catalog_import_execute

DATA = Path(__file__).with_name("data")


@pytest.mark.django_db
def test_admin_upload_stores_the_file_and_enqueues_the_import(django_capture_on_commit_callbacks):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/vendors/catalogimport/add/").status_code == 200
    upload = SimpleUploadedFile("prices.json", (DATA / "litellm_sample.json").read_bytes(), content_type="application/json")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/admin/vendors/catalogimport/add/", {"format": "litellm", "file": upload})
    assert response.status_code == 302, response.content[:500]
    assert len(callbacks) == 1
    job = CatalogImport.objects.get()
    assert (job.format, job.filename, job.status, job.requested_by) == ("litellm", "prices.json", "pending", admin)
    catalog_import_execute(job_id=job.id)
    page = client.get(f"/admin/vendors/catalogimport/{job.id}/change/")
    assert page.status_code == 200 and b"done" in page.content

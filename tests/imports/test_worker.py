"""A real Celery worker runs the job an upload queued: the web request returns at once, the worker
writes the whole file or nothing, and the job's page shows the outcome."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from riskregister.imports.models import ImportJob
from riskregister.risks.models import Dependency, Risk
from tests.imports.conftest import CSV_OK, csv_rows


def _upload(client, content: str) -> ImportJob:
    response = client.post("/teams/team-a/dependencies/import/",
                           {"format": "csv", "file": SimpleUploadedFile("deps.csv", content.encode())})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.get(uuid=response["Location"].rstrip("/").rsplit("/", 1)[-1])


def _finished(job: ImportJob):
    job.refresh_from_db()
    return job if job.is_finished else None


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_an_upload_and_the_page_shows_the_result(client, lead_a, catalog, celery_worker_factory):
    worker = celery_worker_factory(beat=False, extra_env={"IMPORT_MAX_ROWS": "3"})
    client.force_login(lead_a)

    job = _upload(client, CSV_OK)
    worker.wait_for(lambda: _finished(job), timeout=90, what="the import job")
    assert job.status == "succeeded", job.issues
    assert job.content is None and job.summary["created"] == 2
    assert set(Dependency.objects.values_list("system", flat=True)) == {"support-chat", "search"}
    assert Risk.objects.filter(dependency__system="support-chat").exists()
    assert "Registered 2 dependencies" in client.get(f"/teams/team-a/imports/{job.uuid}/").content.decode()
    assert "Task riskregister.imports.tasks.run_import_job[" in worker.log()

    # The worker's own cap (3 rows) refuses a longer file: nothing of it is written.
    refused = _upload(client, csv_rows(4))
    worker.wait_for(lambda: _finished(refused), timeout=90, what="the refused import job")
    assert refused.status == "failed"
    assert refused.issues == [{"where": "file", "message": "At most 3 rows per import (IMPORT_MAX_ROWS); split the file."}]
    assert Dependency.objects.count() == 2
    assert "Nothing was imported" in client.get(f"/teams/team-a/imports/{refused.uuid}/").content.decode()

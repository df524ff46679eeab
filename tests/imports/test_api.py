"""Import jobs through the API: the same job as an upload on the team page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from riskregister.imports.tasks import run_import_job
from riskregister.risks.models import Dependency
from tests.api.conftest import client_for
from tests.imports.conftest import CSV_OK

pytestmark = pytest.mark.django_db


def test_a_lead_uploads_by_multipart_and_follows_the_job_to_its_result(lead_a, catalog, django_capture_on_commit_callbacks):
    api = client_for(lead_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post("/api/v1/teams/team-a/imports/",
                            {"kind": "dependencies_csv", "file": SimpleUploadedFile("deps.csv", CSV_OK.encode())}, format="multipart")
    assert response.status_code == 202, response.content
    job = response.json()
    assert (job["status"], job["team"], job["filename"], job["created_by"]) == ("queued", "team-a", "deps.csv", "lead-a")
    assert response["Location"] == f"/api/v1/import-jobs/{job['id']}/" and len(callbacks) == 1
    assert not Dependency.objects.exists()
    run_import_job(job["id"])
    done = api.get(response["Location"]).json()
    assert (done["status"], done["summary"]["created"]) == ("succeeded", 2)
    assert Dependency.objects.filter(team__slug="team-a").count() == 2


def test_a_bom_sent_as_json_text_that_fails_keeps_its_problems(lead_a, catalog):
    api = client_for(lead_a)
    response = api.post("/api/v1/teams/team-a/imports/",
                        {"kind": "dependencies_cyclonedx", "content": "[" * 5000, "filename": "bom.json"}, format="json")
    assert response.status_code == 202
    run_import_job(response.json()["id"])
    job = api.get(response["Location"]).json()
    assert job["status"] == "failed" and job["issues"][0]["where"] == "file"
    assert "nests deeper" in job["issues"][0]["message"]


def test_bad_requests_name_the_field(lead_a, lead_b, catalog, settings):
    api = client_for(lead_a)
    both = api.post("/api/v1/teams/team-a/imports/", {"kind": "dependencies_csv", "content": "x",
                                                      "file": SimpleUploadedFile("d.csv", b"x")}, format="multipart")
    assert both.status_code == 400 and "file" in both.json()["error"]["fields"]
    assert api.post("/api/v1/teams/team-a/imports/", {"kind": "catalog", "content": "x"}, format="json").json()["error"]["fields"].keys() == {"kind"}
    settings.IMPORT_MAX_BYTES = 1024
    big = api.post("/api/v1/teams/team-a/imports/", {"kind": "dependencies_csv", "content": "x" * 2000}, format="json")
    assert big.status_code == 400 and big.json()["error"]["fields"] == {"file": ["The file is larger than 1 KiB."]}
    assert client_for(lead_b).get("/api/v1/import-jobs/").json()["count"] == 0

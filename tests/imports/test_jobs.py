"""Import jobs: the upload request only stores and enqueues; a worker checks the whole file, then
writes it in one transaction or not at all; the job's page shows progress and the result."""

import datetime
import json

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from riskregister.imports import services
from riskregister.imports.kinds import ImportKind, get_kind, register
from riskregister.imports.models import ImportJob
from riskregister.imports.tasks import run_import_job
from riskregister.risks import bulkwrite
from riskregister.risks import services as risk_services
from riskregister.risks.models import Dependency, Fallback, Risk
from tests.imports.conftest import CSV_OK, csv_rows

IMPORT_URL = "/teams/team-a/dependencies/import/"


def post(client, content: str | bytes, fmt="csv", name="deps.csv", **extra):
    data = content.encode() if isinstance(content, str) else content
    return client.post(IMPORT_URL, {"format": fmt, "file": SimpleUploadedFile(name, data), **extra})


def job_of(response) -> ImportJob:
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.get(uuid=response["Location"].rstrip("/").rsplit("/", 1)[-1])


def bom(components, **extra) -> str:
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
                       "metadata": {"component": {"type": "application", "name": "chat", "bom-ref": "app"}},
                       "components": components, **extra})


# --- the request --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_upload_request_stores_the_file_and_enqueues_after_commit_only(client, lead_a, catalog, django_capture_on_commit_callbacks):
    client.force_login(lead_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(client, CSV_OK)
    job = job_of(response)
    assert response["Location"] == f"/teams/team-a/imports/{job.uuid}/"
    assert (job.status, job.kind, job.team.slug, job.created_by, job.filename) == ("queued", "dependencies_csv", "team-a", lead_a, "deps.csv")
    assert bytes(job.content) == CSV_OK.encode() and job.size == len(CSV_OK)
    assert len(callbacks) == 1  # the enqueue, once the upload is committed
    assert not Dependency.objects.exists()  # nothing is read or written by the request


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused_by_the_request(client, lead_a, catalog, settings):
    settings.IMPORT_MAX_BYTES = 1024
    client.force_login(lead_a)
    response = post(client, csv_rows(100))
    assert response.status_code == 400
    assert "larger than 1 KiB" in response.content.decode()
    assert not ImportJob.objects.exists()


# --- all or nothing -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_job_writes_dependencies_fallbacks_risks_and_their_history_then_drops_the_upload(client, lead_a, catalog):
    client.force_login(lead_a)
    job = job_of(post(client, CSV_OK))
    assert run_import_job(job.pk) == "succeeded"
    job.refresh_from_db()
    assert job.content is None and job.finished_at is not None and job.stage == "done"
    assert (job.summary["created"], job.summary["fallbacks"], job.summary["rows"]) == (2, 1, 2)
    assert job.summary["risks"] == Risk.objects.count() > 0
    chat = Dependency.objects.get(system="support-chat")
    assert chat.owner == lead_a and chat.fallbacks.get().tested_on == datetime.date(2026, 11, 1)
    # The audit trail names the importer, for the dependencies and for each proposed risk.
    assert set(Dependency.history.values_list("history_user", flat=True)) == {lead_a.pk}
    assert Risk.history.filter(history_type="+", history_user=lead_a).count() == Risk.objects.count()
    # A second run of the same message does nothing: the job is done.
    assert run_import_job(job.pk) == "skipped"
    assert Dependency.objects.count() == 2


@pytest.mark.django_db
def test_a_failure_while_writing_undoes_every_row_of_the_job(client, lead_a, catalog, monkeypatch):
    written = {}

    def fail_on_the_risks(model, objs, **kwargs):
        # The dependencies and their fallbacks are in by now.
        written.update(dependencies=Dependency.objects.count(), fallbacks=Fallback.objects.count())
        raise RuntimeError("disk full")

    monkeypatch.setattr(bulkwrite, "insert_with_history", fail_on_the_risks)
    client.force_login(lead_a)
    job = job_of(post(client, CSV_OK))
    assert run_import_job(job.pk) == "failed"
    assert written == {"dependencies": 2, "fallbacks": 1}
    job.refresh_from_db()
    assert job.status == "failed" and job.content is None
    assert job.issues == [{"where": "job", "message": "The import stopped on an internal error (RuntimeError); nothing was written."}]
    assert not Dependency.objects.exists() and not Fallback.objects.exists() and not Risk.objects.exists()
    assert not Dependency.history.exists()


HISTORY_ROW_OWN = {"id", "uuid", "dependency_id", "created_at", "updated_at", "history_id", "history_date", "history_user_id"}


@pytest.mark.django_db
def test_the_risks_an_import_proposes_have_the_rows_and_history_of_risks_proposed_one_by_one(team_a, lead_a, catalog):
    by_hand = risk_services.dependency_create(team=team_a, system="by-hand", offering=catalog["fable_bedrock"], owner=lead_a, actor=lead_a)
    job = services.import_run_now(kind="dependencies_csv", content=b"system,model,distributor\nimported,claude-fable-5,AWS\n",
                                  team=team_a, actor=lead_a)
    assert job.status == "succeeded", job.issues
    imported = Dependency.objects.get(system="imported")

    def rows(dependency, manager):
        return {row["failure_mode_id"]: row for row in manager.filter(dependency_id=dependency.pk).values()}

    expected, got = rows(by_hand, Risk.objects), rows(imported, Risk.objects)
    assert set(got) == set(expected) and len(got) >= 7
    for mode, row in got.items():
        assert {k: v for k, v in row.items() if k not in HISTORY_ROW_OWN} == {k: v for k, v in expected[mode].items() if k not in HISTORY_ROW_OWN}
    expected_history, got_history = rows(by_hand, Risk.history), rows(imported, Risk.history)
    for mode, row in got_history.items():
        assert {k: v for k, v in row.items() if k not in HISTORY_ROW_OWN} == {
            k: v for k, v in expected_history[mode].items() if k not in HISTORY_ROW_OWN}
        risk = Risk.objects.get(pk=row["id"])
        assert (row["uuid"], row["history_type"], row["history_user_id"]) == (risk.uuid, "+", lead_a.pk)
        assert risk.created_at == risk.updated_at and risk.history.count() == 1


@pytest.mark.django_db
def test_every_bad_row_is_reported_and_none_is_written(client, lead_a, catalog):
    client.force_login(lead_a)
    content = CSV_OK + "billing,claude-unknown-9\nledger,gpt-5.1,,nowhere\n,gpt-5.1\n"
    job = job_of(post(client, content.replace("fallback_tested_on\n", "fallback_tested_on\n", 1)))
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert [issue["where"] for issue in job.issues] == ["row 4", "row 5", "row 6"]
    assert "no model called 'claude-unknown-9'" in job.issues[0]["message"]
    assert job.issues[2]["message"] == "system is required"
    assert not Dependency.objects.exists()


# --- linear checks: cap, duplicates, nesting ----------------------------------------------


@pytest.mark.django_db
def test_a_csv_over_the_row_cap_is_refused_before_any_row_is_resolved(client, lead_a, catalog, settings):
    settings.IMPORT_MAX_ROWS = 3
    client.force_login(lead_a)
    job = job_of(post(client, csv_rows(4)))
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.issues == [{"where": "file", "message": "At most 3 rows per import (IMPORT_MAX_ROWS); split the file."}]
    assert job.progress_total == 0  # refused before resolving
    assert not Dependency.objects.exists()


@pytest.mark.django_db
def test_a_bom_over_the_component_cap_is_refused_before_its_schema_is_checked(client, lead_a, catalog, settings):
    settings.IMPORT_MAX_ROWS = 2
    client.force_login(lead_a)
    # Invalid for the schema too (version "one"), but the cap speaks first.
    content = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": "one",
                          "components": [{"type": "library", "name": "a", "components": [{"type": "library", "name": "b"}]}],
                          "services": [{"name": "c"}]})
    job = job_of(post(client, content, fmt="cyclonedx", name="bom.json"))
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.issues == [{"where": "file", "message": "The BOM lists 2 components and 1 services; at most 2 in all per import (IMPORT_MAX_ROWS)."}]


@pytest.mark.django_db
def test_duplicate_components_are_refused_by_the_schema(client, lead_a, catalog):
    client.force_login(lead_a)
    model = {"type": "machine-learning-model", "name": "claude-fable-5"}
    job = job_of(post(client, bom([model, {"type": "library", "name": "httpx"}, dict(model)]), fmt="cyclonedx", name="bom.json"))
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.issues == [{"where": "file /components", "message": "not valid CycloneDX 1.6: entries 0 and 2 are the same; every entry must be unique"}]
    assert not Dependency.objects.exists()


@pytest.mark.django_db
def test_two_components_with_one_bom_ref_are_refused(client, lead_a, catalog):
    client.force_login(lead_a)
    components = [{"type": "machine-learning-model", "name": "claude-fable-5", "bom-ref": "m"},
                  {"type": "machine-learning-model", "name": "gpt-5.1", "bom-ref": "m"}]
    job = job_of(post(client, bom(components), fmt="cyclonedx", name="bom.json"))
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.issues == [{"where": "file", "message": "bom-ref 'm' names more than one component or service; a bom-ref must be unique."}]


@pytest.mark.django_db
@pytest.mark.parametrize("content", [
    "[" * 5000 + "]" * 5000,  # deeper than Python's parser goes
    json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6",
                "components": [{"type": "library", "name": "x", "properties": [{"name": "a", "value": "b"}]}],
                "metadata": {"x": json.loads("[" * 200 + "]" * 200)}}),  # parsed, but deeper than the limit
    "{\"a\":" * 5000 + "1" + "}" * 5000,
])
def test_deeply_nested_json_is_a_clear_error_not_a_crash(client, lead_a, catalog, content):
    client.force_login(lead_a)
    job = job_of(post(client, content, fmt="cyclonedx", name="bom.json"))
    assert run_import_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.issues == [{"where": "file", "message": "The JSON nests deeper than 64 levels (IMPORT_MAX_JSON_DEPTH); a CycloneDX BOM needs far fewer."}]


# --- the job's page -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_progress_page_polls_with_htmx_and_offers_a_refresh_link_without_it(client, lead_a, catalog):
    client.force_login(lead_a)
    response = post(client, CSV_OK)
    url = response["Location"]
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and html.count("<h1>") == 1
    assert "Waiting for a worker" in html
    assert f'href="{url}">Refresh</a>' in html  # without JavaScript
    assert f'hx-get="{url}" hx-trigger="every 2s"' in html
    fragment = client.get(url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<h1>" not in fragment.content.decode() and "hx-trigger" in fragment.content.decode()

    job = job_of(response)
    ImportJob.objects.filter(pk=job.pk).update(status="running", stage="validating", progress_done=1, progress_total=2)
    assert "1 of 2 rows checked" in client.get(url).content.decode()

    ImportJob.objects.filter(pk=job.pk).update(status="queued")
    run_import_job(job.pk)
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done.status_code == 286  # htmx stops polling
    assert "Registered 2 dependencies" in done.content.decode() and "hx-trigger" not in done.content.decode()
    finished = client.get(url).content.decode()
    assert "Refresh" not in finished and "support-chat → Claude Fable 5 via Amazon Web Services" in finished
    # The import page lists it, to come back to.
    assert url in client.get(IMPORT_URL).content.decode()


@pytest.mark.django_db
def test_another_teams_job_is_not_found(client, lead_a, lead_b, member_a, catalog):
    client.force_login(lead_a)
    job = job_of(post(client, CSV_OK))
    client.force_login(lead_b)
    assert client.get(f"/teams/team-a/imports/{job.uuid}/").status_code == 404
    assert client.get(f"/teams/team-b/imports/{job.uuid}/").status_code == 404
    assert f"{job.uuid}" not in client.get("/teams/team-b/dependencies/import/").content.decode()
    client.force_login(member_a)  # the team's members follow its imports
    assert client.get(f"/teams/team-a/imports/{job.uuid}/").status_code == 200
    client.logout()
    assert client.get(f"/teams/team-a/imports/{job.uuid}/").status_code == 302  # to sign in


# --- recovery and limits ------------------------------------------------------------------


@pytest.mark.django_db
def test_jobs_whose_message_or_worker_was_lost_are_enqueued_again_and_run_once(lead_a, team_a, catalog, settings):
    queued = services.import_job_create(kind="dependencies_csv", content=CSV_OK.encode(), team=team_a, actor=lead_a, enqueue=False)
    fresh = services.import_job_create(kind="dependencies_csv", content=CSV_OK.encode(), team=team_a, actor=lead_a, enqueue=False)
    stalled = services.import_job_create(kind="dependencies_csv", content=b"system,model\nx,gpt-5.1\n", team=team_a, actor=lead_a, enqueue=False)
    now = timezone.now()
    ImportJob.objects.filter(pk=queued.pk).update(updated_at=now - datetime.timedelta(seconds=settings.IMPORT_REQUEUE_AFTER_SECONDS + 1))
    ImportJob.objects.filter(pk=stalled.pk).update(
        status="running", attempts=1, started_at=now - datetime.timedelta(seconds=settings.IMPORT_TASK_TIME_LIMIT + 61)
    )
    enqueued = []
    assert sorted(services.import_jobs_recover(enqueue=enqueued.append)) == sorted([queued.pk, stalled.pk]) == sorted(enqueued)
    assert fresh.pk not in enqueued
    assert run_import_job(stalled.pk) == "succeeded"
    stalled.refresh_from_db()
    assert stalled.attempts == 2
    assert run_import_job(queued.pk) == "succeeded" and run_import_job(queued.pk) == "skipped"


@pytest.mark.django_db
def test_a_job_stopped_too_often_fails_instead_of_running_for_ever(lead_a, team_a, catalog, settings):
    job = services.import_job_create(kind="dependencies_csv", content=CSV_OK.encode(), team=team_a, actor=lead_a, enqueue=False)
    ImportJob.objects.filter(pk=job.pk).update(status="running", attempts=settings.IMPORT_MAX_ATTEMPTS,
                                                started_at=timezone.now() - datetime.timedelta(days=1))
    assert run_import_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.issues[0]["message"].startswith(f"Stopped {settings.IMPORT_MAX_ATTEMPTS} times") and job.content is None
    assert not Dependency.objects.exists()


@register
class _SlowKind(ImportKind):
    """A kind that runs into the soft time limit while checking its file."""

    kind = "test_slow"
    label = "test: runs into the time limit"

    def validate(self, *, job, content, progress):
        raise SoftTimeLimitExceeded()

    def apply(self, *, job, plan, progress):
        raise AssertionError("never reached")


@pytest.mark.django_db
def test_the_soft_time_limit_ends_a_job_with_a_message(lead_a, team_a, settings):
    job = services.import_job_create(kind="test_slow", content=b"x", team=team_a, actor=lead_a, enqueue=False)
    assert run_import_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.issues == [{"where": "job", "message": f"Stopped after {settings.IMPORT_TASK_SOFT_TIME_LIMIT} s, the time limit of an import; nothing was written."}]


def test_a_kind_registered_twice_is_an_error():
    class Again(ImportKind):
        kind = "dependencies_csv"
        label = "again"

    with pytest.raises(ValueError, match="registered twice"):
        register(Again)
    assert type(get_kind("dependencies_csv")).__name__ == "DependenciesCSV"


@pytest.mark.django_db
def test_only_the_teams_leads_and_admins_start_a_teams_import(member_a, lead_b, admin, team_a, catalog):
    from django.core.exceptions import PermissionDenied

    for user in (member_a, lead_b):
        with pytest.raises(PermissionDenied):
            services.import_job_create(kind="dependencies_csv", content=CSV_OK.encode(), team=team_a, actor=user, enqueue=False)
    assert services.import_job_create(kind="dependencies_csv", content=CSV_OK.encode(), team=team_a, actor=admin, enqueue=False).status == "queued"

"""Importing dependencies from CSV and CycloneDX AI-BOMs: all or nothing, with errors that name the row.

An upload is an import job: the request stores it and redirects to the job's page; the job is run
here by calling its task function, as a worker would (tests/imports/ runs a real worker).
"""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from riskregister.imports.models import ImportJob
from riskregister.imports.tasks import run_import_job
from riskregister.risks.models import Dependency, Risk
from tests.factories import AIModelFactory, OfferingFactory, VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    anthropic = VendorFactory(slug="anthropic", name="Anthropic")
    openai = VendorFactory(slug="openai", name="OpenAI")
    amazon = VendorFactory(slug="amazon", name="Amazon Web Services", aliases=["AWS", "Amazon Bedrock"],
                           provides_models=False, distributes_models=True)
    fable = AIModelFactory(slug="claude-fable-5", name="Claude Fable 5", provider=anthropic, aliases=["fable-5"])
    gpt = AIModelFactory(slug="gpt-5-1", name="GPT-5.1", provider=openai, aliases=["gpt-5.1"])
    return {
        "fable_direct": OfferingFactory(model=fable, distributor=anthropic),
        "fable_bedrock": OfferingFactory(model=fable, distributor=amazon, distributor_model_id="anthropic.claude-fable-5-v1:0"),
        "gpt_direct": OfferingFactory(model=gpt, distributor=openai),
    }


CSV_OK = (
    "system,model,distributor,environment,criticality,data_classification,fallback_model,fallback_distributor,fallback_tested_on\n"
    "support-chat,claude-fable-5,AWS,production,1,confidential,gpt-5.1,,2026-11-01\n"
    "search,Claude Fable 5,,staging,tier 3,,,,\n"
)


def upload(client, name, content, fmt, **extra):
    """Upload, run the job the upload queued, and return its page (the job's result)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/teams/team-a/dependencies/import/",
        {"format": fmt, "file": SimpleUploadedFile(name, content.encode()), **extra},
    )
    if response.status_code != 302:
        return response
    job = ImportJob.objects.get(uuid=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    run_import_job(job.pk)
    page = client.get(response["Location"])
    page.job = ImportJob.objects.get(pk=job.pk)
    return page


def test_a_lead_imports_a_csv_and_each_dependency_gets_its_risks(client, lead_a, catalog):
    client.force_login(lead_a)
    response = upload(client, "deps.csv", CSV_OK, "csv")
    assert response.status_code == 200 and response.job.status == "succeeded", response.content.decode()[:3000]
    assert "Registered 2 dependencies" in response.content.decode()
    chat = Dependency.objects.get(system="support-chat")
    assert chat.offering == catalog["fable_bedrock"] and chat.criticality == 1
    assert chat.fallbacks.get().offering == catalog["gpt_direct"]
    assert Dependency.objects.get(system="search").offering == catalog["fable_direct"]
    assert Risk.objects.filter(dependency=chat, failure_mode__slug="vendor-conflict-of-interest").exists() is False  # no investor edge here
    assert Risk.objects.filter(dependency=chat).count() >= 7  # the catalog's six plus the distributor's outage


def test_one_bad_row_imports_nothing_and_names_the_row(client, lead_a, catalog):
    client.force_login(lead_a)
    bad = CSV_OK + "billing,claude-unknown-9,,,,,,,\n"
    response = upload(client, "deps.csv", bad, "csv")
    assert response.job.status == "failed"
    assert "Nothing was imported" in response.content.decode()
    assert "row 4: no model called &#x27;claude-unknown-9&#x27;" in response.content.decode()
    assert not Dependency.objects.exists()


def test_importing_the_same_file_twice_skips_what_is_there(client, lead_a, catalog):
    client.force_login(lead_a)
    upload(client, "deps.csv", CSV_OK, "csv")
    response = upload(client, "deps.csv", CSV_OK, "csv")
    assert response.status_code == 200 and response.job.status == "succeeded"
    assert "Registered 0 dependencies" in response.content.decode()
    assert "2 already registered and skipped" in response.content.decode()
    assert Dependency.objects.count() == 2


def test_a_cyclonedx_ai_bom_registers_its_models(client, lead_a, catalog):
    bom = {
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "metadata": {"component": {"type": "application", "name": "code-review-bot", "bom-ref": "app"}},
        "components": [
            {"type": "machine-learning-model", "name": "claude-fable-5", "bom-ref": "m1",
             "properties": [{"name": "riskregister:distributor", "value": "amazon"},
                            {"name": "riskregister:criticality", "value": "2"}]},
            {"type": "library", "name": "httpx", "bom-ref": "lib1"},
        ],
    }
    client.force_login(lead_a)
    response = upload(client, "bom.json", json.dumps(bom), "cyclonedx")
    assert response.job.status == "succeeded", response.job.issues
    assert "library httpx (lib1): not a model" in response.content.decode()
    dependency = Dependency.objects.get()
    assert (dependency.system, dependency.offering, dependency.criticality) == ("code-review-bot", catalog["fable_bedrock"], 2)


def test_an_invalid_bom_is_refused_with_the_schema_error(client, lead_a, catalog):
    client.force_login(lead_a)
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": "one", "components": []}
    response = upload(client, "bom.json", json.dumps(bom), "cyclonedx")
    assert response.job.status == "failed"
    assert "file /version: not valid CycloneDX 1.6: &quot;one&quot; is not of type &quot;integer&quot;" in response.content.decode()


def test_other_teams_and_members_cannot_import(client, lead_b, member_a, catalog):
    client.force_login(lead_b)
    assert upload(client, "deps.csv", CSV_OK, "csv").status_code == 404
    client.force_login(member_a)
    assert upload(client, "deps.csv", CSV_OK, "csv").status_code == 403
    assert not Dependency.objects.exists() and not ImportJob.objects.exists()


def test_the_command_imports_by_distributor_model_id(tmp_path, team_a, catalog, capsys):
    path = tmp_path / "deps.csv"
    path.write_text("system,distributor_model_id\nsupport-chat,anthropic.claude-fable-5-v1:0\n")
    call_command("import_dependencies", "--team", "team-a", "--csv", str(path))
    assert "imported 1, skipped 0" in capsys.readouterr().out
    assert Dependency.objects.get().offering == catalog["fable_bedrock"]
    path.write_text("system,model\n,claude-fable-5\n")
    with pytest.raises(CommandError, match="row 2: system is required"):
        call_command("import_dependencies", "--team", "team-a", "--csv", str(path))

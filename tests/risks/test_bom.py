"""The AI-BOM out and back: a team's export is valid CycloneDX 1.6 (checked with
cyclonedx-python-lib's validator), re-imports into an empty team to the same dependencies and
fallbacks, and BOMs made by other tools import too, with every component that matched nothing named."""

import datetime
import json

import pytest
from cyclonedx.model import ExternalReferenceType
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.service import Service
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from django.core.management import call_command

from riskregister.imports.services import import_run_now
from riskregister.risks import services
from riskregister.risks.bom import team_bom
from riskregister.risks.models import Dependency
from tests.api.conftest import client_for
from tests.factories import VendorRelationshipFactory
from tests.imports.conftest import catalog  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(team_a, lead_a, catalog):  # noqa: F811
    catalog["fable_bedrock"].regions = ["us-east-1", "eu-west-1"]
    catalog["fable_bedrock"].save()
    VendorRelationshipFactory(source=catalog["fable_bedrock"].distributor, target=catalog["fable_direct"].distributor, kind="invests_in")
    chat = services.dependency_create(
        team=team_a, system="support chat", offering=catalog["fable_bedrock"], criticality=1, data_classification="confidential",
        description="answers customers", actor=lead_a,
        fallbacks=[{"offering": catalog["gpt_direct"], "tested_on": datetime.date(2026, 10, 20)},
                   {"offering": catalog["fable_direct"], "tested_on": None}],
    )
    search = services.dependency_create(team=team_a, system="search", offering=catalog["fable_direct"], environment="staging", actor=lead_a)
    return {"chat": chat, "search": search}


def shape(team) -> set:
    return {
        (d.system, d.offering_id, d.environment, d.criticality, d.data_classification, d.description,
         frozenset((f.offering_id, f.tested_on) for f in d.fallbacks.all()))
        for d in Dependency.objects.filter(team=team)
    }


def test_the_export_is_valid_cyclonedx_1_6_with_models_services_and_risks(team_a, register, catalog):
    document = team_bom(team_a)
    text = json.dumps(document)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    models = [c for c in document["components"] if c["type"] == "machine-learning-model"]
    assert [(m["name"], m["supplier"]["name"]) for m in models] == [("Claude Fable 5", "Anthropic"), ("GPT-5.1", "OpenAI")]
    assert {"name": "riskregister:lifecycle", "value": "active"} in models[0]["modelCard"]["properties"]
    bedrock = next(s for s in document["services"] if s["name"] == "anthropic.claude-fable-5-v1:0")
    assert bedrock["provider"]["name"] == "Amazon Web Services"
    assert bedrock["endpoints"] == ["https://bedrock-runtime.eu-west-1.amazonaws.com", "https://bedrock-runtime.us-east-1.amazonaws.com"]
    chat = next(c for c in document["components"] if c["name"] == "support chat")
    reference = chat["externalReferences"][0]
    assert reference["type"] == "risk-assessment"
    assert reference["url"].endswith("/api/v1/risks/?team=team-a&system=support+chat")
    assert reference["comment"] == f"{register['chat'].risks.count()} risks in the register, {register['chat'].risks.count()} not closed"
    edges = {edge["ref"]: edge["dependsOn"] for edge in document["dependencies"]}
    assert edges[chat["bom-ref"]] == [bedrock["bom-ref"], f"offering-{catalog['gpt_direct'].uuid}", f"offering-{catalog['fable_direct'].uuid}"]


def test_the_export_reimports_into_an_empty_team_as_the_same_dependencies_and_fallbacks(team_a, team_b, lead_b, register):
    text = json.dumps(team_bom(team_a)).encode()
    job = import_run_now(kind="dependencies_cyclonedx", content=text, filename="a.cdx.json", team=team_b, actor=lead_b)
    assert job.status == "succeeded", job.issues
    assert job.summary["created"] == 2 and job.summary["ignored_count"] == 0
    assert shape(team_b) == shape(team_a) and len(shape(team_b)) == 2
    # Again: everything is there already.
    again = import_run_now(kind="dependencies_cyclonedx", content=text, team=team_b, actor=lead_b)
    assert (again.summary["created"], again.summary["skipped"]) == (0, 2)


def test_the_command_and_the_api_export_the_same_bom(team_a, lead_a, register, capsys, tmp_path):
    call_command("export_bom", "--team", "team-a")
    from_command = json.loads(capsys.readouterr().out)
    from_api = client_for(lead_a).get("/api/v1/teams/team-a/bom/").json()
    for document in (from_command, from_api):
        document.pop("serialNumber"), document["metadata"].pop("timestamp")
    assert from_command == from_api
    call_command("export_bom", "--team", "team-a", "--output", str(tmp_path / "bom.json"))
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str((tmp_path / "bom.json").read_text()) is None


def _library_bom() -> str:
    """An AI-BOM as another tool writes it, with cyclonedx-python-lib: the application depends on a
    Bedrock service that serves the model, and on an ordinary library."""
    bom = Bom()
    app = Component(type=ComponentType.APPLICATION, name="ticket-triage", bom_ref="app")
    bom.metadata.component = app
    model = Component(type=ComponentType.MACHINE_LEARNING_MODEL, name="claude-fable-5", bom_ref="model",
                      supplier=OrganizationalEntity(name="Anthropic"))
    library = Component(type=ComponentType.LIBRARY, name="boto3", version="1.40.0", bom_ref="boto3")
    bedrock = Service(name="anthropic.claude-fable-5-v1:0", provider=OrganizationalEntity(name="AWS"), bom_ref="bedrock")
    unrelated = Service(name="payments", bom_ref="payments")
    bom.components.update([model, library])
    bom.services.update([bedrock, unrelated])
    bom.register_dependency(app, [bedrock, library])
    bom.register_dependency(bedrock, [model])
    return JsonV1Dot6(bom).output_as_string()


def test_a_bom_made_with_cyclonedx_python_lib_imports_and_names_what_it_ignored(team_b, lead_b, catalog):  # noqa: F811
    job = import_run_now(kind="dependencies_cyclonedx", content=_library_bom().encode(), team=team_b, actor=lead_b)
    assert job.status == "succeeded", job.issues
    dependency = Dependency.objects.get(team=team_b)
    assert (dependency.system, dependency.offering) == ("ticket-triage", catalog["fable_bedrock"])
    assert sorted(job.summary["ignored"]) == [
        "library boto3: not a model, a route to one or a service using one",
        "service payments: not a model, a route to one or a service using one",
    ]


def test_every_component_that_matches_nothing_is_reported_and_nothing_is_written(team_b, lead_b, catalog):  # noqa: F811
    document = {
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "metadata": {"component": {"type": "application", "name": "chat", "bom-ref": "root"}},
        "components": [
            {"type": "machine-learning-model", "name": "claude-fable-5", "bom-ref": "ok"},
            {"type": "machine-learning-model", "name": "llama-99", "bom-ref": "m1"},
            {"type": "machine-learning-model", "name": "gpt-5.1", "bom-ref": "m2",
             "properties": [{"name": "riskregister:distributor", "value": "nimbus"}]},
            {"type": "application", "name": "summariser", "bom-ref": "app",
             "properties": [{"name": "riskregister:fallback", "value": "gone"}]},
        ],
        "services": [{"name": "mystery-model-v2", "bom-ref": "svc", "provider": {"name": "Amazon Web Services"}}],
        "dependencies": [{"ref": "app", "dependsOn": ["svc"]}],
    }
    job = import_run_now(kind="dependencies_cyclonedx", content=json.dumps(document).encode(), team=team_b, actor=lead_b)
    assert job.status == "failed"
    assert [(issue["where"], issue["message"]) for issue in job.issues] == [
        ("component summariser (app)", "no offering with the distributor model id 'mystery-model-v2' in the catalog"),
        ("component llama-99", "no model called 'llama-99' in the catalog"),
        ("component gpt-5.1", "no vendor called 'nimbus' in the catalog"),
    ]
    assert not Dependency.objects.filter(team=team_b).exists()


def test_a_fallback_naming_no_component_of_the_bom_is_reported(team_b, lead_b, catalog):  # noqa: F811
    document = {
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "components": [{"type": "machine-learning-model", "name": "claude-fable-5", "bom-ref": "m"},
                       {"type": "application", "name": "chat", "bom-ref": "app",
                        "properties": [{"name": "riskregister:fallback", "value": "gone tested_on=2026-01-01"}]}],
        "dependencies": [{"ref": "app", "dependsOn": ["m"]}],
    }
    job = import_run_now(kind="dependencies_cyclonedx", content=json.dumps(document).encode(), team=team_b, actor=lead_b)
    assert job.issues == [{"where": "component chat (app)", "message": "fallback gone: 'gone' is not a service or model of the BOM"}]


def test_another_teams_lead_does_not_find_the_teams_bom(lead_b, member_a, register):
    assert client_for(lead_b).get("/api/v1/teams/team-a/bom/").status_code == 404
    response = client_for(member_a).get("/api/v1/teams/team-a/bom/")
    assert response.status_code == 200 and response.json()["metadata"]["component"]["name"] == "Team A"


def test_the_export_takes_the_same_queries_however_many_dependencies(team_a, lead_a, register, catalog):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        team_bom(team_a)
    for number in range(5):
        services.dependency_create(team=team_a, system=f"more-{number}", offering=catalog["gpt_direct"], actor=lead_a,
                                   fallbacks=[{"offering": catalog["fable_direct"], "tested_on": None}])
    with CaptureQueriesContext(connection) as many:
        document = team_bom(team_a)
    assert len(document["components"]) == 2 + 7
    assert len(many.captured_queries) == len(few.captured_queries) == 2

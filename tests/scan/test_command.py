"""`manage.py scan_repo`: a small real project's model ids, with file and line; --apply registers them once."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from riskregister.risks.models import Dependency
from tests.scan.conftest import SECRETS

pytestmark = pytest.mark.django_db


def scan(*args) -> str:
    out = io.StringIO()
    call_command("scan_repo", *args, stdout=out)
    return out.getvalue()


def proposals(project, team) -> dict:
    found = json.loads(scan(str(project), "--team", team.slug, "--json"))
    return {proposal["offering"]: proposal for proposal in found["proposals"]}, found


def test_sample_project_finds_each_route_with_file_and_line(project, team_a, catalog):
    found, report = proposals(project, team_a)
    def locations(key):
        return [finding["location"] for finding in found[catalog[key].id]["findings"]]

    assert "app/assistant.py:10" in locations("sonnet_direct")
    assert found[catalog["sonnet_direct"].id]["confidence"] == "high", found[catalog["sonnet_direct"].id]
    assert locations("sonnet_bedrock") == ["app/bedrock_summary.py:6"]
    assert found[catalog["sonnet_bedrock"].id]["confidence"] == "high"
    assert locations("sonnet_vertex") == ["app/vertex_client.py:8"]
    assert found[catalog["sonnet_vertex"].id]["confidence"] == "high"
    # OpenAI's SDK in the TS file picks OpenAI's route, not Azure's; the YAML config follows the tree's SDK.
    assert "web/src/chat.ts:7" in locations("gpt_direct")
    assert "config/settings.yaml:2" in locations("gpt_direct")
    assert catalog["gpt_azure"].id not in found
    assert locations("large_direct") == [".env:2"]
    assert locations("gemini_direct") == ["notebooks/explore.ipynb:cell 3:2"]
    assert set(found) == {catalog[key].id for key in
                          ("sonnet_direct", "sonnet_bedrock", "sonnet_vertex", "gpt_direct", "large_direct", "gemini_direct")}
    skipped = report["skipped"]
    assert skipped["vendored folder"] == 1 and skipped["symlink"] == 2 and skipped["binary"] == 1


def test_output_names_files_lines_and_confidence_and_never_a_secret(project, team_a, catalog):
    output = scan(str(project), "--team", team_a.slug)
    assert "Would register 6 dependencies of 'project' for team team-a" in output
    assert "app/bedrock_summary.py:6  anthropic.claude-sonnet-4-5-20250929-v1:0" in output
    assert "Claude Sonnet 4.5 via Amazon Web Services [anthropic.claude-sonnet-4-5-20250929-v1:0] — high" in output
    assert "Run again with --apply" in output
    for secret in SECRETS:
        assert secret not in output
    assert not Dependency.objects.exists()


def test_apply_registers_all_once_and_a_second_apply_adds_nothing(project, team_a, catalog, caplog):
    output = scan(str(project), "--team", team_a.slug, "--apply", "--system", "support-bot")
    assert "Registered 6 dependencies" in output
    dependencies = Dependency.objects.filter(team=team_a)
    assert dependencies.count() == 6
    bedrock = dependencies.get(offering=catalog["sonnet_bedrock"])
    assert bedrock.system == "support-bot" and "app/bedrock_summary.py:6" in bedrock.description
    again = scan(str(project), "--team", team_a.slug, "--apply", "--system", "support-bot")
    assert "Registered 0 dependencies" in again and "6 already registered" in again
    assert dependencies.count() == 6
    for secret in SECRETS:
        assert secret not in caplog.text


def test_unknown_team_and_missing_folder_are_refused(project, team_a, tmp_path):
    with pytest.raises(CommandError, match="No team"):
        scan(str(project), "--team", "nobody")
    with pytest.raises(CommandError, match="not a folder"):
        scan(str(tmp_path / "missing"), "--team", team_a.slug)

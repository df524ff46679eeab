"""Deleting a dependency through the API or the admin archives it; reviewers still read its risks'
assessments, exports and lists leave it out, and only admins purge it."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission

from riskregister.risks.models import Assessment, Dependency, Risk
from tests.api.conftest import client_for
from tests.api.world import MARK_A, world  # noqa: F401  (fixture)
from tests.factories import UserFactory


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_api_delete_archives_and_the_reviewer_still_reads_the_assessments(world, lead_a, reviewer):
    dependency = world.dependency["a"]
    assert client_for(lead_a).delete(f"/api/v1/dependencies/{dependency.id}/").status_code == 204

    assert Dependency.all_objects.get(pk=dependency.pk).archived_at is not None
    risk = world.risk["a"]
    assert Risk.objects.get(pk=risk.pk).status == "closed"
    reviewer_client = client_for(reviewer)
    detail = reviewer_client.get(f"/api/v1/dependencies/{dependency.id}/").json()
    assert detail["archived_at"] and detail["archived_by"] == "lead-a"
    assessments = reviewer_client.get(f"/api/v1/risks/{risk.id}/assessments/").json()["results"]
    assert [a["rationale"] for a in assessments] == [MARK_A]
    assert reviewer_client.get(f"/api/v1/risks/{risk.id}/").json()["status"] == "closed"


def test_lists_leave_archived_dependencies_out_unless_asked(world, member_a, reviewer):
    archived_ids = {world.archived["a"].id, world.archived["b"].id}
    reviewer_client = client_for(reviewer)
    live = {row["id"] for row in reviewer_client.get("/api/v1/dependencies/").json()["results"]}
    assert live == {world.dependency["a"].id, world.dependency["b"].id}
    listed = {row["id"] for row in reviewer_client.get("/api/v1/dependencies/?archived=true").json()["results"]}
    assert listed == archived_ids
    # The team's members see their own team's archived ones, never another team's.
    mine = client_for(member_a).get("/api/v1/dependencies/?archived=true").json()["results"]
    assert [row["id"] for row in mine] == [world.archived["a"].id]

    archived_risks = set(Risk.objects.filter(dependency_id__in=archived_ids).values_list("id", flat=True))
    risks = {row["id"] for row in reviewer_client.get("/api/v1/risks/").json()["results"]}
    assert risks == {world.risk["a"].id, world.risk["b"].id}
    asked = {row["id"] for row in reviewer_client.get("/api/v1/risks/?archived=true").json()["results"]}
    assert asked == archived_risks


def test_the_register_csv_leaves_archived_dependencies_out(world, reviewer):
    rows = csv_rows(client_for(reviewer).get("/api/v1/register.csv"))
    assert sorted(row["system"] for row in rows) == sorted(d.system for d in world.dependency.values())
    asked = csv_rows(client_for(reviewer).get("/api/v1/register.csv?archived=true"))
    assert sorted(row["system"] for row in asked) == sorted(d.system for d in world.archived.values())


def test_exposure_and_scenarios_over_the_api_leave_archived_dependencies_out(world, reviewer):
    client = client_for(reviewer)
    rows = client.get("/api/v1/exposure/?by=team").json()["rows"]
    assert sum(row["dependencies"] for row in rows) == 2
    result = client.post("/api/v1/scenarios/", {"events": [{"kind": "ban", "level": "provider", "target": "anthropic"}]},
                         format="json").json()
    systems = {d["system"] for team in result["teams"] for d in team["dependencies"]}
    assert systems == {d.system for d in world.dependency.values()}


def test_the_same_service_is_registered_again_after_deletion(world, lead_a):
    client = client_for(lead_a)
    old = world.archived["a"]
    body = {"team": "team-a", "system": old.system, "offering": old.offering_id}
    response = client.post("/api/v1/dependencies/", body, format="json")
    assert response.status_code == 201, response.content
    assert client.post("/api/v1/dependencies/", body, format="json").status_code == 409


def test_admin_purges_an_archived_dependency_for_good(world, admin):
    old = world.archived["a"]
    risk_ids = list(Risk.objects.filter(dependency=old).values_list("id", flat=True))
    assert client_for(admin).post(f"/api/v1/dependencies/{old.id}/purge/").status_code == 204
    assert not Dependency.all_objects.filter(pk=old.pk).exists()
    assert not Assessment.objects.filter(risk_id__in=risk_ids).exists()


@pytest.fixture
def staff_curator(db):
    """A staff user who is not a superuser, with the admin's rights on dependencies."""
    user = UserFactory(username="curator", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_dependency", "change_dependency", "delete_dependency"]))
    return user


def test_deleting_in_the_admin_archives_and_purge_is_a_separate_action(world, staff_curator, client):
    client.force_login(staff_curator)
    dependency = world.dependency["a"]
    url = f"/admin/risks/dependency/{dependency.id}/delete/"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert b"archived: its risks closed, their assessments kept" in confirm.content
    done = client.post(url, {"post": "yes"}, follow=True)
    assert b"was archived: its risks are closed" in done.content
    assert Dependency.all_objects.get(pk=dependency.pk).archived_at is not None
    assert Assessment.objects.filter(pk=world.assessment["a"].pk).exists()
    # The change list shows live ones; archived ones on request, read-only.
    link = f"/admin/risks/dependency/{dependency.id}/change/"
    assert link not in client.get("/admin/risks/dependency/").content.decode()
    assert link in client.get("/admin/risks/dependency/?archived=yes").content.decode()
    change = client.get(f"/admin/risks/dependency/{dependency.id}/change/")
    assert change.status_code == 200 and b'name="system"' not in change.content

    # Purging: archived ones only; a live one selected with it is left alone.
    live = world.dependency["b"]
    client.post("/admin/risks/dependency/?archived=all",
                {"action": "purge_selected", "_selected_action": [dependency.id, live.id]})
    assert not Dependency.all_objects.filter(pk=dependency.pk).exists()
    assert Dependency.objects.filter(pk=live.pk).exists()

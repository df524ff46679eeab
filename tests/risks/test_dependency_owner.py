"""A dependency's owner is a member of its team, whichever way the dependency is written."""

import pytest
from django.core.exceptions import ValidationError

from riskregister.risks import services
from riskregister.risks.admin import DependencyAdminForm
from riskregister.risks.models import Dependency
from tests.api.conftest import client_for
from tests.factories import DependencyFactory, OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_service_refuses_an_owner_outside_the_team_on_create_and_update(team_a, lead_a, member_a, lead_b):
    offering = OfferingFactory()
    with pytest.raises(ValidationError) as refused:
        services.dependency_create(team=team_a, system="chat", offering=offering, owner=lead_b, actor=lead_a)
    assert "owner" in refused.value.message_dict
    assert not Dependency.objects.exists()

    dependency = services.dependency_create(team=team_a, system="chat", offering=offering, owner=member_a, actor=lead_a)
    assert dependency.owner == member_a
    with pytest.raises(ValidationError) as refused:
        services.dependency_update(dependency=dependency, owner=UserFactory(), actor=lead_a)
    assert "owner" in refused.value.message_dict
    dependency.refresh_from_db()
    assert dependency.owner == member_a


def test_the_api_refuses_an_owner_outside_the_team_with_a_400_naming_owner(team_a, lead_a, member_a, lead_b):
    offering = OfferingFactory()
    client = client_for(lead_a)
    body = {"team": "team-a", "system": "chat", "offering": offering.id, "owner": lead_b.id}
    response = client.post("/api/v1/dependencies/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["owner"]
    assert "lead-b" not in response.content.decode()  # says nothing of the outsider

    created = client.post("/api/v1/dependencies/", {**body, "owner": member_a.id}, format="json")
    assert created.status_code == 201
    patched = client.patch(f"/api/v1/dependencies/{created.json()['id']}/", {"owner": lead_b.id}, format="json")
    assert patched.status_code == 400 and "owner" in patched.json()["error"]["fields"]
    assert Dependency.objects.get().owner == member_a


def test_the_web_form_offers_only_members_and_refuses_an_outsider(client, team_a, lead_a, member_a, lead_b):
    offering = OfferingFactory()
    client.force_login(lead_a)
    page = client.get("/teams/team-a/dependencies/new/").content.decode()
    assert "member-a" in page and "lead-b" not in page
    data = {"system": "chat", "offering": offering.id, "environment": "production", "criticality": 2,
            "data_classification": "internal", "owner": lead_b.id}
    refused = client.post("/teams/team-a/dependencies/new/", data)
    assert refused.status_code == 400
    assert not Dependency.objects.exists()
    assert client.post("/teams/team-a/dependencies/new/", {**data, "owner": member_a.id}).status_code == 302
    assert Dependency.objects.get().owner == member_a


def test_an_admin_registering_for_a_team_is_not_made_its_owner(client, team_a, admin):
    offering = OfferingFactory()
    client.force_login(admin)
    data = {"system": "chat", "offering": offering.id, "environment": "production", "criticality": 2,
            "data_classification": "internal"}
    assert client.post("/teams/team-a/dependencies/new/", data).status_code == 302
    assert Dependency.objects.get().owner is None


def test_the_admin_form_refuses_an_owner_outside_the_team(team_a, member_a, lead_b):
    dependency = DependencyFactory(team=team_a)
    data = {"team": team_a.id, "system": dependency.system, "offering": dependency.offering_id,
            "environment": "production", "criticality": 2, "data_classification": "internal", "owner": lead_b.id}
    form = DependencyAdminForm(data, instance=dependency)
    assert not form.is_valid() and "owner" in form.errors
    assert DependencyAdminForm({**data, "owner": member_a.id}, instance=dependency).is_valid()

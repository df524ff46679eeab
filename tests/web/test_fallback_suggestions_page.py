"""Fallback suggestions on a dependency's page: asked for with a GET form, ranked with the reason of
each rank; a lead adds one as an untested fallback, with a message; others only read them."""

import pytest

from riskregister.risks.models import Fallback

pytestmark = pytest.mark.django_db


def _page(client, dependency, **query):
    return client.get(f"/dependencies/{dependency.id}/", {"suggest": "1", **query})


def test_suggestions_are_computed_only_when_asked_for(client, story):
    client.force_login(story.alice)
    html = client.get(f"/dependencies/{story.support_chat.id}/").content.decode()
    assert "<h2>Suggested fallbacks</h2>" in html and "Suggest fallbacks" in html
    assert 'id="suggestion-list"' not in html


def test_the_page_ranks_routes_of_other_providers_with_their_reasons(client, story):
    client.force_login(story.alice)
    response = _page(client, story.support_chat)  # Claude Fable 5 via Bedrock, fallback GPT-5.1 on Azure
    assert response.status_code == 200
    html = response.content.decode()
    listed = html[html.index('id="suggestion-list"'):]
    # Mistral's own API ranks first here: another provider, distributor and jurisdiction (FR).
    assert '1. <a href="/models/mistral-large-3/">Mistral Large 3</a>' in listed
    assert '2. <a href="/models/gpt-5-1/">GPT-5.1</a>' in listed
    assert f'id="suggestion-{story.gpt_direct.id}"' in listed
    assert f'id="suggestion-{story.large_direct.id}"' in listed
    assert f'id="suggestion-{story.gpt_azure.id}"' not in listed  # already a fallback
    for anthropic_route in (story.fable_direct, story.fable_vertex, story.mythos_bedrock):
        assert f'id="suggestion-{anthropic_route.id}"' not in listed  # correlated: never suggested
    assert "Why this rank:" in listed and "another provider (OpenAI)" in listed
    assert "another distributor (OpenAI)" in listed
    assert listed.count("Add as fallback</button>") == listed.count('class="suggestion"')


def test_another_jurisdiction_and_another_distributor_narrow_the_list(client, story):
    client.force_login(story.alice)
    html = _page(client, story.support_chat, other_jurisdiction="on").content.decode()
    listed = html[html.index('id="suggestion-list"'):]
    assert listed.count('class="suggestion"') == 1
    assert f'id="suggestion-{story.large_direct.id}"' in listed and "another jurisdiction (FR)" in listed
    assert 'name="other_jurisdiction" id="suggest_other_jurisdiction" checked' in html

    html = _page(client, story.support_chat, other_distributor="on").content.decode()
    listed = html[html.index('id="suggestion-list"'):]
    assert f'id="suggestion-{story.large_bedrock.id}"' not in listed  # Bedrock is the route's own distributor
    assert f'id="suggestion-{story.large_direct.id}"' in listed


def test_a_lead_adds_a_suggestion_as_an_untested_fallback(client, story):
    client.force_login(story.alice)
    response = client.post(f"/dependencies/{story.support_chat.id}/fallbacks/suggested/",
                           {"offering": story.large_direct.id}, follow=True)
    assert response.redirect_chain[-1] == (f"/dependencies/{story.support_chat.id}/", 302)
    html = response.content.decode()
    assert "Mistral Large 3 via Mistral AI added as a fallback of support-chat, not yet tested" in html
    added = Fallback.objects.get(dependency=story.support_chat, offering=story.large_direct)
    assert added.tested_on is None
    # The other fallback stays as it was, its test date with it.
    kept = Fallback.objects.get(dependency=story.support_chat, offering=story.gpt_azure)
    assert kept.tested_on is not None
    assert "does not cover: never tested" in html
    # Once a fallback, it is no longer suggested.
    listed = _page(client, story.support_chat).content.decode()
    assert f'id="suggestion-{story.large_direct.id}"' not in listed[listed.index('id="suggestion-list"'):]


def test_adding_a_route_that_is_already_a_fallback_is_a_400_naming_the_field(client, story):
    client.force_login(story.alice)
    response = client.post(f"/dependencies/{story.support_chat.id}/fallbacks/suggested/", {"offering": story.gpt_azure.id})
    assert response.status_code == 400
    assert "offering:" in response.content.decode() and "already a fallback" in response.content.decode()
    response = client.post(f"/dependencies/{story.support_chat.id}/fallbacks/suggested/", {"offering": "nope"})
    assert response.status_code == 400 and "offering:" in response.content.decode()
    assert Fallback.objects.filter(dependency=story.support_chat).count() == 1


def test_members_and_reviewers_read_suggestions_but_cannot_add_them(client, story):
    for user in (story.bob, story.rita):
        client.force_login(user)
        html = _page(client, story.support_chat).content.decode()
        assert f'id="suggestion-{story.gpt_direct.id}"' in html and "Add as fallback</button>" not in html
        response = client.post(f"/dependencies/{story.support_chat.id}/fallbacks/suggested/", {"offering": story.gpt_direct.id})
        assert response.status_code == 403
    assert not Fallback.objects.filter(dependency=story.support_chat, offering=story.gpt_direct).exists()


def test_another_teams_lead_gets_404_for_the_suggestions_and_the_add(client, story):
    client.force_login(story.erin)
    assert _page(client, story.support_chat).status_code == 404
    response = client.post(f"/dependencies/{story.support_chat.id}/fallbacks/suggested/", {"offering": story.gpt_direct.id})
    assert response.status_code == 404
    assert not Fallback.objects.filter(dependency=story.support_chat, offering=story.gpt_direct).exists()


def test_the_suggestions_take_a_fixed_number_of_queries(client, story, django_assert_max_num_queries):
    client.force_login(story.alice)
    with django_assert_max_num_queries(20):
        _page(client, story.support_chat)

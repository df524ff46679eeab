"""Exposure, concentration and fallback coverage, held to the pure scoring functions."""

from collections import defaultdict

import pytest

from riskregister.risks import scoring
from riskregister.risks.exposure import (
    GROUPINGS,
    concentration,
    exposure_by,
    exposure_if,
    exposure_summary,
    fallback_coverage,
    total_exposure,
)
from riskregister.risks.models import Risk
from tests.risks.story import build_story
from vendors.reach import Event


@pytest.fixture
def register(db):
    story = build_story(with_risks=True)
    # Vary the scores so that the sums mean something.
    for index, risk in enumerate(Risk.objects.order_by("id")):
        risk.residual_likelihood = 1 + index % risk.inherent_likelihood
        risk.residual_impact = 1 + (index * 7) % risk.inherent_impact
        risk.save(update_fields=["residual_likelihood", "residual_impact"])
    return story


def by_python(key):
    totals = defaultdict(int)
    for risk in Risk.objects.exclude(status="closed").select_related("dependency__offering__model__provider", "dependency__offering__distributor", "dependency__team"):
        value = scoring.weighted_exposure(risk.residual_likelihood, risk.residual_impact, risk.dependency.criticality)
        for group in key(risk):
            totals[group] += value
    return dict(totals)


def test_exposure_by_team_is_the_weighted_sum_of_residual_scores(register):
    rows = exposure_by("team")
    assert {row["slug"]: row["exposure"] for row in rows} == by_python(lambda risk: [risk.dependency.team.slug])
    assert [row["exposure"] for row in rows] == sorted((row["exposure"] for row in rows), reverse=True)
    support = next(row for row in rows if row["slug"] == "support")
    assert (support["dependencies"], support["critical_dependencies"]) == (2, 1)
    assert support["risks"] == 6 + 2 + 6  # support-chat via conflicted Bedrock has eight risks


def test_exposure_by_provider_counts_every_distributor_together(register):
    rows = {row["slug"]: row for row in exposure_by("provider")}
    assert {slug: row["exposure"] for slug, row in rows.items()} == by_python(lambda risk: [risk.dependency.offering.model.provider.slug])
    assert rows["anthropic"]["dependencies"] == 4


def test_exposure_by_distributor(register):
    rows = {row["slug"]: row["exposure"] for row in exposure_by("distributor")}
    assert rows == by_python(lambda risk: [risk.dependency.offering.distributor.slug])


def test_exposure_by_jurisdiction_counts_provider_and_distributor_countries(register):
    rows = {row["key"]: row for row in exposure_by("jurisdiction")}
    expected = by_python(lambda risk: {risk.dependency.offering.model.provider.headquarters_country,
                                       risk.dependency.offering.distributor.headquarters_country})
    assert {key: row["exposure"] for key, row in rows.items()} == expected
    # doc-classifier runs a French model through a US cloud: it is in both.
    assert rows["FR"]["dependencies"] == 1 and rows["US"]["dependencies"] == 6


def test_closed_risks_do_not_count(register):
    before = total_exposure()["exposure"]
    risk = Risk.objects.filter(dependency=register.support_chat).first()
    weight = scoring.weighted_exposure(risk.residual_likelihood, risk.residual_impact, 1)
    Risk.objects.filter(pk=risk.pk).update(status="closed")
    assert total_exposure()["exposure"] == before - weight


def test_team_scope(register):
    assert {row["slug"] for row in exposure_by("team", team_ids=[register.platform.id])} == {"platform"}
    assert total_exposure(team_ids=[register.platform.id])["exposure"] == by_python(lambda risk: [risk.dependency.team.slug])["platform"]


def test_unknown_grouping_is_refused(db):
    with pytest.raises(ValueError):
        exposure_by("planet")


def test_concentration_is_the_share_of_critical_dependencies_on_one_provider(register):
    result = concentration()
    # Critical (tiers 1 and 2): support-chat, code-review-bot, internal-search: all on Anthropic.
    assert result["critical_dependencies"] == 3
    assert result["top_provider"]["slug"] == "anthropic" and result["top_share"] == 1.0 and result["hhi"] == 1.0
    register.internal_search.offering = register.gpt_direct
    register.internal_search.save(update_fields=["offering"])
    result = concentration()
    assert result["top_share"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["hhi"] == pytest.approx((2 / 3) ** 2 + (1 / 3) ** 2, abs=1e-4)


def test_fallback_coverage_counts_only_fallbacks_that_survive_a_ban_of_the_provider(register):
    result = fallback_coverage()
    # support-chat (GPT on Azure) and internal-search (Mistral) are covered; code-review-bot's only
    # fallback is Mythos on Bedrock: correlated.
    assert (result["critical_dependencies"], result["covered"], result["uncovered"]) == (3, 2, 1)
    assert result["share"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["only_correlated_fallbacks"] == 1


def test_summary_has_every_grouping(register):
    summary = exposure_summary()
    assert {f"by_{by}" for by in GROUPINGS} <= set(summary)
    assert summary["total"]["exposure"] == sum(row["exposure"] for row in summary["by_team"])


def test_exposure_after_a_ban_raises_only_uncovered_dependencies_to_certain(register):
    ban = Event("ban", "provider", register.anthropic.id)
    result = exposure_if([ban])
    expected_after = 0
    for risk in Risk.objects.select_related("dependency"):
        weight = scoring.criticality_weight(risk.dependency.criticality)
        hit = risk.dependency.system in {"code-review-bot", "ticket-summariser"}
        expected_after += (5 if hit else risk.residual_likelihood) * risk.residual_impact * weight
    assert result == {"before": total_exposure()["exposure"], "after": expected_after}
    assert exposure_if([]) == {"before": result["before"], "after": result["before"]}


@pytest.mark.parametrize("by", GROUPINGS)
def test_each_grouping_is_at_most_two_queries(register, django_assert_max_num_queries, by):
    with django_assert_max_num_queries(2):
        exposure_by(by)


def test_summary_query_count(register, django_assert_num_queries):
    with django_assert_num_queries(8):
        exposure_summary()


def test_exposure_before_and_after_is_one_query(register, django_assert_num_queries):
    with django_assert_num_queries(1):
        exposure_if([Event("ban", "provider", register.anthropic.id), Event("ban", "jurisdiction", "FR")])

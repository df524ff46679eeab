"""The story of DESIGN.md, built with factories: providers, the clouds that resell and fund them, and
teams on those models by different routes. Mirrors `seed_demo`, so that what the tests prove of the
story holds of the demo data too.

- Anthropic (US) makes Claude Fable 5 and Claude Mythos 5, offered on its direct API, on Bedrock
  (Amazon) and on Vertex (Google). Amazon and Google both distribute and invest in Anthropic.
- OpenAI (US) makes GPT-5.1, direct and on Azure (Microsoft). Mistral (FR) makes Mistral Large 3,
  direct and on Bedrock.
- support-chat (Customer Support) runs on Fable via Bedrock, with a tested fallback to GPT on Azure.
- ticket-summariser (Customer Support) runs on Mythos direct, no fallback.
- code-review-bot (Developer Platform) runs on Mythos via Vertex; its only fallback is Mythos on
  Bedrock: the correlated fallback.
- internal-search (Developer Platform) runs on Fable direct, with a tested fallback to Mistral direct.
- report-writer (Data & Analytics) runs on GPT direct, in staging.
- doc-classifier (Data & Analytics) runs on Mistral via Bedrock; its fallback to Fable direct was
  last tested 200 days ago.
"""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from tests.factories import (
    AIModelFactory,
    DependencyFactory,
    DistributorFactory,
    FallbackFactory,
    OfferingFactory,
    TeamFactory,
    VendorFactory,
    VendorRelationshipFactory,
)


def build_story(*, with_risks: bool = False) -> SimpleNamespace:
    today = timezone.localdate()
    v = SimpleNamespace()
    v.anthropic = VendorFactory(slug="anthropic", name="Anthropic", headquarters_country="US")
    v.openai = VendorFactory(slug="openai", name="OpenAI", headquarters_country="US")
    v.mistral = VendorFactory(slug="mistral", name="Mistral AI", headquarters_country="FR")
    v.amazon = DistributorFactory(slug="amazon", name="Amazon Web Services", headquarters_country="US")
    v.google = DistributorFactory(slug="google", name="Google Cloud", headquarters_country="US")
    v.microsoft = DistributorFactory(slug="microsoft", name="Microsoft Azure", headquarters_country="US")
    for source, kind, target in [
        (v.amazon, "distributes", v.anthropic),
        (v.amazon, "invests_in", v.anthropic),
        (v.amazon, "distributes", v.mistral),
        (v.google, "distributes", v.anthropic),
        (v.google, "invests_in", v.anthropic),
        (v.microsoft, "distributes", v.openai),
        (v.microsoft, "invests_in", v.openai),
    ]:
        VendorRelationshipFactory(source=source, kind=kind, target=target)

    v.fable = AIModelFactory(slug="claude-fable-5", name="Claude Fable 5", provider=v.anthropic)
    v.mythos = AIModelFactory(slug="claude-mythos-5", name="Claude Mythos 5", provider=v.anthropic)
    v.gpt = AIModelFactory(slug="gpt-5-1", name="GPT-5.1", provider=v.openai)
    v.large = AIModelFactory(slug="mistral-large-3", name="Mistral Large 3", provider=v.mistral)

    def offer(model, distributor, model_id):
        return OfferingFactory(model=model, distributor=distributor, distributor_model_id=model_id)

    v.fable_direct = offer(v.fable, v.anthropic, "claude-fable-5")
    v.fable_bedrock = offer(v.fable, v.amazon, "anthropic.claude-fable-5-v1:0")
    v.fable_vertex = offer(v.fable, v.google, "claude-fable-5@20260301")
    v.mythos_direct = offer(v.mythos, v.anthropic, "claude-mythos-5")
    v.mythos_bedrock = offer(v.mythos, v.amazon, "anthropic.claude-mythos-5-v1:0")
    v.mythos_vertex = offer(v.mythos, v.google, "claude-mythos-5@20260501")
    v.gpt_direct = offer(v.gpt, v.openai, "gpt-5.1")
    v.gpt_azure = offer(v.gpt, v.microsoft, "gpt-5.1")
    v.large_direct = offer(v.large, v.mistral, "mistral-large-latest")
    v.large_bedrock = offer(v.large, v.amazon, "mistral.mistral-large-3-v1:0")

    v.support = TeamFactory(slug="support", name="Customer Support")
    v.platform = TeamFactory(slug="platform", name="Developer Platform")
    v.analytics = TeamFactory(slug="analytics", name="Data & Analytics")

    def depend(team, system, offering, criticality, fallbacks=(), environment="production"):
        dependency = DependencyFactory(team=team, system=system, offering=offering, criticality=criticality, environment=environment)
        for fallback_offering, days in fallbacks:
            FallbackFactory(
                dependency=dependency,
                offering=fallback_offering,
                tested_on=None if days is None else today - datetime.timedelta(days=days),
            )
        return dependency

    v.support_chat = depend(v.support, "support-chat", v.fable_bedrock, 1, [(v.gpt_azure, 20)])
    v.ticket_summariser = depend(v.support, "ticket-summariser", v.mythos_direct, 3)
    v.code_review_bot = depend(v.platform, "code-review-bot", v.mythos_vertex, 2, [(v.mythos_bedrock, 15)])
    v.internal_search = depend(v.platform, "internal-search", v.fable_direct, 2, [(v.large_direct, 10)])
    v.report_writer = depend(v.analytics, "report-writer", v.gpt_direct, 4, environment="staging")
    v.doc_classifier = depend(v.analytics, "doc-classifier", v.large_bedrock, 3, [(v.fable_direct, 200)])
    v.dependencies = [v.support_chat, v.ticket_summariser, v.code_review_bot, v.internal_search, v.report_writer, v.doc_classifier]
    if with_risks:
        from riskregister.risks.services import risks_propose

        for dependency in v.dependencies:
            risks_propose(dependency=dependency)
    return v

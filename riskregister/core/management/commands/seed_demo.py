"""Load the demo register: the story of DESIGN.md, idempotently.

Providers with their direct APIs; clouds that resell them and invest in them; three teams on those
models by different routes, one of them with a fallback that is the same model through another
distributor (a correlated fallback); a reviewer; an admin; status sources for the public status
APIs, AWS's Bedrock feed and the Federal Register. Running it again changes nothing.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from riskregister.alerts.models import Subscription
from riskregister.risks import services as risk_services
from riskregister.risks.models import Dependency
from riskregister.teams.models import REVIEWERS_GROUP, Membership, Team
from vendors.models import AIModel, Offering, StatusSource, Vendor, VendorRelationship

DEMO_PASSWORD = "register-demo-2026"

VENDORS = [
    # slug, name, aliases, provides, distributes, country
    ("anthropic", "Anthropic", ["Anthropic PBC"], True, False, "US"),
    ("openai", "OpenAI", ["OpenAI OpCo"], True, False, "US"),
    ("mistral", "Mistral AI", ["Mistral"], True, False, "FR"),
    ("amazon", "Amazon Web Services", ["AWS", "Amazon", "AWS Bedrock", "Amazon Bedrock"], False, True, "US"),
    ("google", "Google Cloud", ["Google", "Vertex AI", "GCP"], False, True, "US"),
    ("microsoft", "Microsoft Azure", ["Microsoft", "Azure", "Azure OpenAI", "Azure AI Foundry"], False, True, "US"),
]

RELATIONSHIPS = [
    ("amazon", "distributes", "anthropic", "Claude models are sold through AWS Bedrock."),
    ("amazon", "distributes", "mistral", "Mistral models are sold through AWS Bedrock."),
    ("amazon", "invests_in", "anthropic", "Amazon is a major investor in Anthropic."),
    ("google", "distributes", "anthropic", "Claude models are sold through Google Vertex AI."),
    ("google", "invests_in", "anthropic", "Google is an investor in Anthropic."),
    ("microsoft", "distributes", "openai", "OpenAI models are sold through Azure OpenAI."),
    ("microsoft", "invests_in", "openai", "Microsoft is OpenAI's largest investor."),
]

MODELS = [
    # slug, name, provider, aliases, export notes
    ("claude-fable-5", "Claude Fable 5", "anthropic", ["claude-fable-5", "fable-5"], "Frontier model; subject to export-control review."),
    ("claude-mythos-5", "Claude Mythos 5", "anthropic", ["claude-mythos-5", "mythos-5"], "Frontier model; subject to export-control review."),
    ("gpt-5-1", "GPT-5.1", "openai", ["gpt-5.1"], ""),
    ("mistral-large-3", "Mistral Large 3", "mistral", ["mistral-large-latest", "mistral-large-3"], ""),
]

# What each demo model can do, so that fallback suggestions work before any catalog import.
CAPABILITIES = {
    "claude-fable-5": {"mode": "chat", "family": "claude", "context_window": 200_000, "max_output_tokens": 64_000,
                       "input_modalities": ["image", "pdf", "text"], "output_modalities": ["text"],
                       "supports_tool_use": True, "supports_reasoning": True},
    "claude-mythos-5": {"mode": "chat", "family": "claude", "context_window": 1_000_000, "max_output_tokens": 128_000,
                        "input_modalities": ["image", "pdf", "text"], "output_modalities": ["text"],
                        "supports_tool_use": True, "supports_reasoning": True},
    "gpt-5-1": {"mode": "chat", "family": "gpt", "context_window": 400_000, "max_output_tokens": 128_000,
                "input_modalities": ["image", "text"], "output_modalities": ["text"],
                "supports_tool_use": True, "supports_reasoning": True},
    "mistral-large-3": {"mode": "chat", "family": "mistral-large", "context_window": 256_000, "max_output_tokens": 32_000,
                        "input_modalities": ["image", "text"], "output_modalities": ["text"],
                        "supports_tool_use": True, "supports_reasoning": False, "open_weights": True},
}

# US dollars per million tokens in and out, per model (the demo's routes all list the same price).
PRICES = {"claude-fable-5": (3, 15), "claude-mythos-5": (15, 75), "gpt-5-1": (1.25, 10), "mistral-large-3": (0.5, 1.5)}

# Days of notice a vendor promises before retiring a model (a demo value; set yours in the admin).
NOTICE_DAYS = {"anthropic": 60}

OFFERINGS = [
    # model, distributor, distributor's model id, regions
    ("claude-fable-5", "anthropic", "claude-fable-5", ["global"]),
    ("claude-fable-5", "amazon", "anthropic.claude-fable-5-v1:0", ["us-east-1", "eu-central-1"]),
    ("claude-fable-5", "google", "claude-fable-5@20260301", ["us-east5", "europe-west1"]),
    ("claude-mythos-5", "anthropic", "claude-mythos-5", ["global"]),
    ("claude-mythos-5", "amazon", "anthropic.claude-mythos-5-v1:0", ["us-east-1", "us-west-2"]),
    ("claude-mythos-5", "google", "claude-mythos-5@20260501", ["us-east5"]),
    ("gpt-5-1", "openai", "gpt-5.1", ["global"]),
    ("gpt-5-1", "microsoft", "gpt-5.1", ["eastus2", "swedencentral"]),
    ("mistral-large-3", "mistral", "mistral-large-latest", ["eu"]),
    ("mistral-large-3", "amazon", "mistral.mistral-large-3-v1:0", ["us-west-2"]),
]

TEAMS = [
    # slug, name, lead, members
    ("support", "Customer Support", "alice", ["bob"]),
    ("platform", "Developer Platform", "carol", ["dave"]),
    ("analytics", "Data & Analytics", "erin", ["frank"]),
]

# team, system, (model, distributor), environment, criticality, classification, description, fallbacks
# A fallback is ((model, distributor), days since its failover was tested, or None if never).
DEPENDENCIES = [
    ("support", "support-chat", ("claude-fable-5", "amazon"), "production", 1, "confidential",
     "Customer-facing support assistant.", [(("gpt-5-1", "microsoft"), 20)]),
    ("support", "ticket-summariser", ("claude-mythos-5", "anthropic"), "production", 3, "internal",
     "Summarises long ticket threads for agents.", []),
    ("platform", "code-review-bot", ("claude-mythos-5", "google"), "production", 2, "confidential",
     "Reviews pull requests; its only fallback is the same model on Bedrock.", [(("claude-mythos-5", "amazon"), 15)]),
    ("platform", "internal-search", ("claude-fable-5", "anthropic"), "production", 2, "internal",
     "Answers engineers' questions over internal docs.", [(("mistral-large-3", "mistral"), 10)]),
    ("analytics", "report-writer", ("gpt-5-1", "openai"), "staging", 4, "internal",
     "Drafts weekly business reports.", []),
    ("analytics", "doc-classifier", ("mistral-large-3", "amazon"), "production", 3, "restricted",
     "Classifies inbound documents; its fallback was last tested long ago.", [(("claude-fable-5", "anthropic"), 200)]),
]


class Command(BaseCommand):
    help = "Load the demo register (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Load nothing if the register already has teams (used by `make run`)."
        )

    def handle(self, *args, **options):
        if options["if_empty"] and Team.objects.exists():
            self.stdout.write("The register already has data; demo data not loaded again.")
        else:
            with transaction.atomic():
                created = self._seed()
            self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new rows)."))
        self.stdout.write("Demo logins (password for all: %s):" % DEMO_PASSWORD)
        self.stdout.write("  admin     admin (staff, superuser)")
        self.stdout.write("  rita      risk reviewer (reviewers group)")
        for slug, name, lead, members in TEAMS:
            self.stdout.write(f"  {lead:<9} lead of {name}; members: {', '.join(members)}")

    def _seed(self) -> int:
        created = 0
        today = timezone.localdate()
        User = get_user_model()

        def user(username, **extra):
            nonlocal created
            account, made = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.com", **extra}
            )
            if made:
                account.set_password(DEMO_PASSWORD)
                account.save(update_fields=["password"])
                created += 1
            return account

        user("admin", is_staff=True, is_superuser=True, first_name="Ada", last_name="Admin")
        reviewers, _ = Group.objects.get_or_create(name=REVIEWERS_GROUP)
        user("rita", first_name="Rita", last_name="Reviewer").groups.add(reviewers)

        vendors = {}
        for slug, name, aliases, provides, distributes, country in VENDORS:
            vendors[slug], made = Vendor.objects.get_or_create(
                slug=slug,
                defaults={"name": name, "aliases": aliases, "provides_models": provides,
                          "distributes_models": distributes, "headquarters_country": country,
                          "minimum_notice_days": NOTICE_DAYS.get(slug)},
            )
            created += made
        for source, kind, target, evidence in RELATIONSHIPS:
            _, made = VendorRelationship.objects.get_or_create(
                source=vendors[source], target=vendors[target], kind=kind, defaults={"evidence": evidence}
            )
            created += made

        models = {}
        for slug, name, provider, aliases, notes in MODELS:
            models[slug], made = AIModel.objects.get_or_create(
                slug=slug,
                defaults={"name": name, "provider": vendors[provider], "aliases": aliases, "export_control_notes": notes,
                          **CAPABILITIES.get(slug, {})},
            )
            created += made
        offerings = {}
        for model, distributor, model_id, regions in OFFERINGS:
            offerings[(model, distributor)], made = Offering.objects.get_or_create(
                model=models[model], distributor=vendors[distributor], distributor_model_id=model_id,
                defaults={"regions": regions, "input_price_per_mtok": PRICES[model][0], "output_price_per_mtok": PRICES[model][1]},
            )
            created += made

        teams = {}
        for slug, name, lead, members in TEAMS:
            teams[slug], made = Team.objects.get_or_create(slug=slug, defaults={"name": name})
            created += made
            for username, role in [(lead, Membership.Role.LEAD)] + [(m, Membership.Role.MEMBER) for m in members]:
                _, made = Membership.objects.get_or_create(team=teams[slug], user=user(username), defaults={"role": role})
                created += made
            _, made = Subscription.objects.get_or_create(
                team=teams[slug], user=None, email="",
                defaults={"kinds": [], "min_severity": "minor", "mode": Subscription.Mode.IMMEDIATE},
            )
            created += made

        for team, system, route, environment, criticality, classification, description, fallbacks in DEPENDENCIES:
            offering = offerings[route]
            if Dependency.objects.filter(team=teams[team], system=system, offering=offering, environment=environment).exists():
                continue
            lead = next(t[2] for t in TEAMS if t[0] == team)
            risk_services.dependency_create(
                team=teams[team],
                system=system,
                offering=offering,
                environment=environment,
                criticality=criticality,
                owner=user(lead),
                description=description,
                data_classification=classification,
                fallbacks=[
                    {"offering": offerings[fallback_route],
                     "tested_on": None if days is None else today - timedelta(days=days)}
                    for fallback_route, days in fallbacks
                ],
                actor=None,
            )
            created += 1

        created += self._seed_sources(vendors, offerings)
        return created

    def _seed_sources(self, vendors, offerings) -> int:
        """The public sources the checks watch. Without internet they show as failing, which is the truth."""
        anthropic_direct = [offerings[(m, "anthropic")].id for m in ("claude-fable-5", "claude-mythos-5")]
        sources = [
            {
                "name": "Anthropic status",
                "kind": "statuspage",
                "url": "https://status.claude.com/api/v2/summary.json",
                "vendor": vendors["anthropic"],
                "interval": 120,
                "config": {"components": {"Claude API": anthropic_direct}},
            },
            {
                "name": "OpenAI status",
                "kind": "statuspage",
                "url": "https://status.openai.com/api/v2/summary.json",
                "vendor": vendors["openai"],
                "interval": 120,
                "config": {"components": {"APIs": [offerings[("gpt-5-1", "openai")].id]}},
            },
            {
                "name": "AWS Bedrock (us-east-1) status feed",
                "kind": "feed",
                "url": "https://status.aws.amazon.com/rss/bedrock-us-east-1.rss",
                "vendor": vendors["amazon"],
                "interval": 300,
                # Entries are read by the models they name ("Anthropic Claude Fable 5 … unavailable")
                # and reach Bedrock's offerings of those models in us-east-1; an entry naming none
                # reaches every Bedrock offering of that region.
                "config": {"region": "us-east-1"},
            },
            {
                "name": "Federal Register: Bureau of Industry and Security",
                "kind": "federal_register",
                "url": "https://www.federalregister.gov/api/v1/documents.json",
                "vendor": None,
                "interval": 3600,
                "config": {"agency": "industry-and-security-bureau", "terms": ["artificial intelligence"]},
            },
        ]
        created = 0
        for spec in sources:
            _, made = StatusSource.objects.get_or_create(name=spec.pop("name"), defaults=spec)
            created += made
        return created

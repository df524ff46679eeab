"""Right team, once, and only news: a scripted week of an incident-heavy world replayed on loopback.

    DEBUG=true .venv/bin/python bench/signal_replay.py            # scratch SQLite files under a temp directory

A local HTTP server serves real-format payloads (tests/vendors/payloads.py follows
/work/shared/FORMATS.md): two Statuspage pages of one provider, an incident.io page, an AWS RSS
feed, an Anthropic and an OpenAI-compatible model list, the Federal Register and a LiteLLM catalog
(six source kinds), plus 50 status pages seen for the first time. 200 teams depend on the routes.
Each step changes what some sources say, runs the real checks (vendors/checks.py) and the real
dispatcher, and compares the emails written (immediate alerts) with an oracle.

The oracle is not the product's propagation: each step names, by plain queries, the offerings its
trouble takes down, who depends on them, which subscriptions want it, and which earlier trouble
already told a team (a consequence of an announced event is a confirmation, not an email; a
recovery goes to the teams told of what ended). It prints emails sent, emails the oracle expects,
missed, false, duplicates and folded confirmations; the goal is 0 missed, 0 false, 0 duplicates.

The Bedrock feed is configured with a keyword naming the model ("claude fable 5"): matching feed
entries by the register's model names without keywords is a separate piece of work.
"""

from __future__ import annotations

import sys

# This file is named like the standard library's `signal`: keep its own directory off the path.
sys.path[:] = [p for p in sys.path if p not in ("", __import__("os").path.dirname(__file__) or ".")]

import os  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402
from pathlib import Path  # noqa: E402

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
SCRATCH = Path(tempfile.mkdtemp(prefix="bench-signal-"))
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "riskregister.settings",
        "DEBUG": os.environ.get("DEBUG", "true"),
        "VAR_DIR": str(SCRATCH / "var"),
        "DATABASE_URL": f"sqlite:///{SCRATCH / 'signal.sqlite3'}",
        "CELERY_BROKER_URL": f"sqlalchemy+sqlite:///{SCRATCH / 'broker.sqlite3'}",
        "OUTBOUND_ALLOWED_PRIVATE_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "ERROR",
    }
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db.models import Q  # noqa: E402

from riskregister.alerts.dispatch import alerts_dispatch_pending  # noqa: E402
from riskregister.alerts.events import Reach  # noqa: E402
from riskregister.alerts.models import Alert, Subscription  # noqa: E402
from riskregister.risks.models import Dependency  # noqa: E402
from riskregister.teams.models import Team  # noqa: E402
from tests.vendors import payloads  # noqa: E402
from vendors.checks import run_checks  # noqa: E402
from vendors.models import AIModel, Offering, StatusChange, StatusSource, Vendor  # noqa: E402
from vendors.recording import manual_change_record  # noqa: E402
from vendors.signals import changes_recorded  # noqa: E402

TEAMS = 200
NEW_SOURCES = 50
SEVERITY = ["info", "minor", "major", "critical"]


class Loopback:
    """Serves `bodies[path]`; a step changes the dict."""

    def __init__(self):
        self.bodies: dict[str, tuple[bytes, str]] = {}
        loopback = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body, content_type = loopback.bodies.get(self.path.split("?")[0], (b"not found", "text/plain"))
                self.send_response(200 if body != b"not found" else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def serve(self, path: str, body: bytes, content_type: str = "application/json") -> None:
        self.bodies[path] = (body, content_type)


def build_world(web: Loopback) -> dict:
    anthropic = Vendor.objects.create(name="Anthropic", slug="anthropic", provides_models=True, headquarters_country="US")
    openai = Vendor.objects.create(name="OpenAI", slug="openai", provides_models=True, headquarters_country="US")
    bedrock = Vendor.objects.create(name="Amazon Bedrock", slug="bedrock", distributes_models=True)
    vertex = Vendor.objects.create(name="Google Vertex", slug="vertex", distributes_models=True)
    openrouter = Vendor.objects.create(name="OpenRouter", slug="openrouter", distributes_models=True)
    routes: dict[str, Offering] = {}
    claude = {}
    for slug, name in (("claude-fable-5", "Claude Fable 5"), ("claude-mythos-5", "Claude Mythos 5"), ("claude-haiku-5", "Claude Haiku 5")):
        model = AIModel.objects.create(provider=anthropic, name=name, slug=slug)
        claude[slug] = model
        for via, model_id in ((anthropic, slug), (bedrock, f"anthropic.{slug}-v1:0"), (vertex, f"{slug}@20261101"),
                              (openrouter, f"anthropic/{slug}")):
            routes[f"{slug}@{via.slug}"] = Offering.objects.create(model=model, distributor=via, distributor_model_id=model_id,
                                                                  status="unknown", regions=["us-east-1"])
    for slug in ("gpt-5-1", "gpt-5-mini"):
        model = AIModel.objects.create(provider=openai, name=slug.upper(), slug=slug)
        for via, model_id in ((openai, slug), (openrouter, f"openai/{slug}")):
            routes[f"{slug}@{via.slug}"] = Offering.objects.create(model=model, distributor=via, distributor_model_id=model_id,
                                                                  status="unknown")
    anthropic_direct = [o.id for key, o in routes.items() if key.endswith("@anthropic")]
    openai_direct = [o.id for key, o in routes.items() if key.endswith("@openai")]

    def source(name, kind, path, vendor=None, config=None):
        return StatusSource.objects.create(name=name, kind=kind, url=web.url(path), vendor=vendor, config=config or {}, interval=60)

    web.serve("/anthropic/api/v2/summary.json", payloads.statuspage_summary())
    web.serve("/anthropic-mirror/api/v2/summary.json", payloads.statuspage_summary())
    web.serve("/openai/proxy/status.openai.com", payloads.incident_io_widget())
    web.serve("/aws/rss/bedrock-us-east-1.rss", payloads.aws_rss(), "application/rss+xml")
    web.serve("/anthropic/v1/models", payloads.anthropic_page(
        [payloads.anthropic_model(m.slug, m.name) for m in claude.values()]))
    web.serve("/openrouter/v1/models", payloads.openai_models([o.distributor_model_id for o in routes.values() if o.distributor_id == openrouter.id]))
    web.serve("/federalregister/api/v1/documents.json", payloads.federal_register())
    web.serve("/litellm/catalog.json", payloads.litellm_catalog(
        {o.distributor_model_id: {"litellm_provider": "vertex_ai"} for o in routes.values() if o.distributor_id == vertex.id}))
    source("Anthropic status", "statuspage", "/anthropic/api/v2/summary.json", anthropic, {"components": {"Claude API": anthropic_direct}})
    source("Anthropic status (mirror)", "statuspage", "/anthropic-mirror/api/v2/summary.json", anthropic,
           {"components": {"Claude API": anthropic_direct}})
    source("OpenAI status", "statuspage", "/openai/proxy/status.openai.com", openai, {"components": {"Responses": openai_direct}})
    source("AWS Bedrock us-east-1", "feed", "/aws/rss/bedrock-us-east-1.rss", bedrock,
           {"keywords": {"claude fable 5": {"offerings": [routes["claude-fable-5@bedrock"].id]}}})
    source("Anthropic models", "anthropic_models", "/anthropic/v1/models", anthropic)
    source("OpenRouter models", "openai_models", "/openrouter/v1/models", openrouter)
    source("Federal Register (BIS)", "federal_register", "/federalregister/api/v1/documents.json", None, {"terms": ["artificial intelligence"]})
    source("LiteLLM catalog", "catalog", "/litellm/catalog.json", None)

    # 50 smaller providers, each with its own status page and one route.
    small = []
    for n in range(NEW_SOURCES):
        vendor = Vendor.objects.create(name=f"Small AI {n}", slug=f"small-ai-{n}", provides_models=True)
        model = AIModel.objects.create(provider=vendor, name=f"Small {n}", slug=f"small-{n}")
        offering = Offering.objects.create(model=model, distributor=vendor, distributor_model_id=f"small-{n}", status="unknown")
        down = n in (7, 31)  # already down on first sight: news, once
        web.serve(f"/small-{n}/api/v2/summary.json", payloads.statuspage_summary({"API": "major_outage" if down else "operational"}))
        source(f"Small AI {n} status", "statuspage", f"/small-{n}/api/v2/summary.json", vendor, {"components": {"API": [offering.id]}})
        small.append(offering)

    rng = random.Random(10)
    core = list(routes.values())
    teams = Team.objects.bulk_create([Team(name=f"Team {n:03d}", slug=f"team-{n:03d}") for n in range(TEAMS)])
    dependencies = []
    for n, team in enumerate(teams):
        for i, offering in enumerate(rng.sample(core, 2) + [small[n % NEW_SOURCES]]):
            dependencies.append(Dependency(team=team, system=f"svc-{i}", offering=offering, criticality=1 + i % 4))
    Dependency.objects.bulk_create(dependencies, batch_size=2000)
    subscriptions = []
    for n, team in enumerate(teams):
        if n % 10 == 0:
            subscriptions.append(Subscription(team=team, email=f"{team.slug}@example.com", min_severity="critical"))
        elif n % 10 == 1:
            subscriptions.append(Subscription(team=team, email=f"{team.slug}@example.com", mode="daily_digest"))
        elif n % 10 == 2:
            subscriptions.append(Subscription(team=team, email=f"{team.slug}@example.com", kinds=["status", "incident"]))
        else:
            subscriptions.append(Subscription(team=team, email=f"{team.slug}@example.com", min_severity="minor"))
    Subscription.objects.bulk_create(subscriptions)
    return {"routes": routes, "claude": claude, "small": small, "anthropic": anthropic, "openai": openai}


class Oracle:
    """Expected emails from plain queries: who depends on what a step takes down, who wants it."""

    def __init__(self):
        self.subscriptions = {s.team_id: s for s in Subscription.objects.all()}
        self.told: dict[str, set[int]] = defaultdict(set)  # trouble -> teams told (email or digest)

    def teams_on(self, offerings: Q) -> set[int]:
        return set(Dependency.objects.filter(offering__in=Offering.objects.filter(offerings)).values_list("team_id", flat=True))

    def wants(self, team_id: int, changes: list[tuple[str, str]]) -> bool:
        subscription = self.subscriptions[team_id]
        return any((not subscription.kinds or kind in subscription.kinds)
                   and SEVERITY.index(severity) >= SEVERITY.index(subscription.min_severity) for kind, severity in changes)

    def news(self, trouble: str, offerings: Q, changes: list[tuple[str, str]], exclude=frozenset()) -> set[int]:
        """A new trouble: its teams that want it; emails go to the immediate ones."""
        teams = {t for t in self.teams_on(offerings) - set(exclude) if self.wants(t, changes)}
        self.told[trouble] |= teams
        return {t for t in teams if self.subscriptions[t].mode == "immediate"}

    def consequence(self, of: str, trouble: str, offerings: Q, changes: list[tuple[str, str]]) -> set[int]:
        """Explained by `of` for the teams told of it (no email); news to the others that want it
        (a team whose subscription left the ban out still asked for outages)."""
        return self.news(trouble, offerings, changes, exclude=self.told[of])

    def recovery(self, trouble: str) -> set[int]:
        teams = self.told.pop(trouble, set())
        return {t for t in teams if self.subscriptions[t].mode == "immediate"}


def run_step(web: Loopback, sources: list[StatusSource]) -> None:
    run_checks(sources)
    while alerts_dispatch_pending():
        pass


def main() -> None:
    call_command("migrate", verbosity=0)
    # The dispatcher is run in the foreground by each step; no broker is needed.
    changes_recorded.receivers = []
    web = Loopback()
    world = build_world(web)
    routes, claude = world["routes"], world["claude"]
    fable = claude["claude-fable-5"]
    oracle = Oracle()
    sources = list(StatusSource.objects.order_by("id"))
    steps: list[tuple[str, set[int]]] = []

    def step(label: str, expected: set[int], checked: list[str] | None = None, manual=None) -> None:
        before = set(Alert.objects.values_list("id", flat=True))
        if manual is not None:
            manual()
            while alerts_dispatch_pending():
                pass
        else:
            # Fresh rows: a check reads the state the previous check left.
            chosen = StatusSource.objects.filter(name__in=checked) if checked else StatusSource.objects.all()
            run_step(web, list(chosen.order_by("id")))
        written = Alert.objects.exclude(id__in=before)
        if "--verbose" in sys.argv:
            for change in StatusChange.objects.filter(id__gt=step.last_change).order_by("id"):
                print(f"  {label}: {change.kind} {change.previous_value}->{change.current_value} [{change.severity}] {change.title}")
            for source in StatusSource.objects.exclude(last_error=""):
                print(f"  {label}: source {source.name} failed: {source.last_error[:200]}")
            step.last_change = StatusChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
        sent = Counter(a.team_id for a in written if a.mode == "immediate" and a.recipients)
        steps.append((label, expected, sent))

    step.last_change = 0
    anthropic_direct = Q(distributor=world["anthropic"])
    openai_direct = Q(distributor=world["openai"])
    small_down = Q(id__in=[world["small"][7].id, world["small"][31].id])

    # Day 0: first sight of every source, 50 of them new: a baseline, except two pages already down.
    step("first sight of 58 sources", oracle.news("small-down", small_down, [("status", "major")]))
    # Day 1: an Anthropic API outage with a critical incident, seen on two pages.
    incident = payloads.statuspage_incident("inc-anth-1", "Elevated errors on Claude API", impact="critical", components=["Claude API"])
    web.serve("/anthropic/api/v2/summary.json", payloads.statuspage_summary({"Claude API": "major_outage"}, incidents=[incident]))
    step("Anthropic API outage (critical incident)", oracle.news("anthropic-outage", anthropic_direct,
         [("status", "major"), ("incident", "critical")]), ["Anthropic status"])
    mirror = payloads.statuspage_incident("inc-mirror-9", "Elevated errors on Claude API", impact="critical", components=["Claude API"])
    web.serve("/anthropic-mirror/api/v2/summary.json", payloads.statuspage_summary({"Claude API": "major_outage"}, incidents=[mirror]))
    step("the same incident on the second page", oracle.consequence("anthropic-outage", "mirror-incident", anthropic_direct, [("incident", "critical")]), ["Anthropic status (mirror)"])
    # Day 1 still: an overlapping OpenAI outage.
    web.serve("/openai/proxy/status.openai.com", payloads.incident_io_widget({"01JAPI0001": "full_outage"}, incidents=[
        {"id": "01JINC", "name": "Responses API unavailable", "status": "investigating", "current_worst_impact": "full_outage",
         "affected_components": [{"component_id": "01JAPI0001"}]}]))
    step("overlapping OpenAI outage", oracle.news("openai-outage", openai_direct, [("status", "major"), ("incident", "critical")]),
         ["OpenAI status"])
    # Day 2: both end.
    web.serve("/anthropic/api/v2/summary.json", payloads.statuspage_summary())
    step("Anthropic recovers", oracle.recovery("anthropic-outage"), ["Anthropic status"])
    web.serve("/anthropic-mirror/api/v2/summary.json", payloads.statuspage_summary())
    step("the second page catches up", oracle.recovery("mirror-incident"), ["Anthropic status (mirror)"])
    web.serve("/openai/proxy/status.openai.com", payloads.incident_io_widget())
    step("OpenAI recovers", oracle.recovery("openai-outage"), ["OpenAI status"])
    # Day 3: an export-control rule bans Claude Fable 5; every distributor and list follows.
    web.serve("/federalregister/api/v1/documents.json", payloads.federal_register([payloads.federal_register_document(
        "2026-31337", "Export controls on the Claude Fable 5 model", abstract="BIS prohibits access to Claude Fable 5.")]))
    fable_routes = Q(model=fable)
    step("Federal Register rule bans Claude Fable 5", oracle.news("fable-ban", fable_routes, [("regulatory", "critical")]),
         ["Federal Register (BIS)"])
    web.serve("/anthropic/v1/models", payloads.anthropic_page(
        [payloads.anthropic_model(m.slug, m.name) for m in claude.values() if m != fable]))
    step("Anthropic's list drops it", oracle.consequence(
        "fable-ban", "fable-anthropic-route", fable_routes & anthropic_direct, [("status", "major")]), ["Anthropic models"])
    web.serve("/openrouter/v1/models", payloads.openai_models(
        [o.distributor_model_id for k, o in routes.items() if k.endswith("@openrouter") and o.model_id != fable.id]))
    step("OpenRouter's list drops it", oracle.consequence(
        "fable-ban", "fable-openrouter-route", fable_routes & Q(distributor__slug="openrouter"), [("status", "major")]), ["OpenRouter models"])
    web.serve("/aws/rss/bedrock-us-east-1.rss", payloads.aws_rss([(
        "bedrock-fable-1", "[Informational] Anthropic Claude Fable 5 and Claude Mythos 5 unavailable",
        "Anthropic Claude Fable 5 is unavailable in US-EAST-1 (keyword-mapped; name matching is separate work).")]),
        "application/rss+xml")
    step("Bedrock's feed reports it", oracle.consequence(
        "fable-ban", "fable-bedrock-feed", fable_routes & Q(distributor__slug="bedrock"), [("incident", "info")]), ["AWS Bedrock us-east-1"])
    web.serve("/litellm/catalog.json", payloads.litellm_catalog(
        {o.distributor_model_id: {"litellm_provider": "vertex_ai"} for k, o in routes.items()
         if k.endswith("@vertex") and o.model_id != fable.id}))
    step("the catalog drops the Vertex route", oracle.consequence(
        "fable-ban", "fable-vertex-catalog", fable_routes & Q(distributor__slug="vertex"), [("deprecation", "minor")]), ["LiteLLM catalog"])
    # Day 5: the ban is lifted; the lists come back.
    step("ban lifted (recorded by hand)", oracle.recovery("fable-ban"), manual=lambda: manual_change_record(
        kind="lifecycle", value="active", model=AIModel.objects.get(id=fable.id), title="export-control ban lifted"))
    web.serve("/anthropic/v1/models", payloads.anthropic_page([payloads.anthropic_model(m.slug, m.name) for m in claude.values()]))
    step("Anthropic's list has it again", oracle.recovery("fable-anthropic-route"), ["Anthropic models"])
    # Day 6: a quiet sweep of everything.
    step("a quiet sweep", set())

    print(f"{TEAMS} teams, {Dependency.objects.count()} dependencies, {StatusSource.objects.count()} sources "
          f"({len({s.kind for s in sources})} kinds)\n")
    print(f"{'step':<45} {'sent':>5} {'oracle':>6} {'missed':>6} {'false':>5} {'dup':>4}")
    totals = Counter()
    for label, expected, sent in steps:
        missed = len(expected - set(sent))
        false = len(set(sent) - expected)
        duplicates = sum(count - 1 for count in sent.values() if count > 1)
        row = {"sent": sum(sent.values()), "oracle": len(expected), "missed": missed, "false": false, "dup": duplicates}
        totals.update(row)
        print(f"{label:<45} {row['sent']:>5} {row['oracle']:>6} {missed:>6} {false:>5} {duplicates:>4}")
    folded = Reach.objects.filter(folded=True).values("change_id", "team_id").distinct().count()
    print(f"\nemails sent {totals['sent']}, oracle emails {totals['oracle']}, missed {totals['missed']}, "
          f"false {totals['false']}, duplicates {totals['dup']}, folded confirmations {folded} (change x team)")


if __name__ == "__main__":
    main()

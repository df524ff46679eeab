"""The supply side as pages: the graph of vendors, a vendor's and a model's page, the status feed."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import render

from riskregister.alerts.selectors import changes_reached_teams
from riskregister.risks.models import Dependency
from riskregister.teams.access import is_admin, member_team_ids, scope_to_teams, sees_all_teams
from riskregister.web.forms import ChangeFilterForm
from riskregister.web.graph import EDGE_KINDS, supply_graph
from riskregister.web.rollup import dashboard_figures
from vendors.models import AIModel, LifecycleFact, Offering, StatusChange, StatusSource, Vendor, VendorRelationship
from vendors.selectors import current_facts, facts_prefetch, model_worst_case

CHANGES_PAGE = 50


def _dependencies(user):
    return scope_to_teams(Dependency.objects.all(), user)


def _dependency_counts(user) -> tuple[dict[int, int], object]:
    """The viewer's dependencies on each vendor, on the provider or the distributor side of the route,
    read off the rollup (its upstream "direct" counts: a vendor that is both counts each dependency
    once) rather than grouping every dependency of the register on each view; and when it was computed."""
    team_ids = None if sees_all_teams(user) else sorted(member_team_ids(user))
    figures = dashboard_figures(team_ids=team_ids)
    return {int(row["key"]): row["direct"] for row in figures["upstream"] if row["direct"]}, figures["as_of"]


@login_required
def supply_chain(request):
    show_all = request.GET.get("all") == "1"
    counts, as_of = _dependency_counts(request.user)
    edges = list(VendorRelationship.objects.filter(kind__in=EDGE_KINDS).values_list("source_id", "target_id", "kind"))
    if show_all:
        vendors = list(Vendor.objects.order_by("name"))
    else:
        used = {vendor_id for vendor_id, count in counts.items() if count}
        upstream = {source for source, target, _ in edges if target in used}
        vendors = list(Vendor.objects.filter(pk__in=used | upstream).order_by("name"))
    graph = supply_graph(vendors, edges, counts)
    context = {"graph": graph, "show_all": show_all, "total_vendors": Vendor.objects.count(), "as_of": as_of}
    return render(request, "web/supply_chain.html", context)


def _changes_of(q: Q, limit: int = 20):
    return list(
        StatusChange.objects.filter(q).select_related("vendor", "model", "offering__model", "offering__distributor")
        .order_by("-observed_at", "-id")[:limit]
    )


@login_required
def vendor_detail(request, slug: str):
    vendor = Vendor.objects.filter(slug=slug).first()
    if vendor is None:
        raise Http404("No such vendor.")
    offerings = list(
        Offering.objects.filter(Q(distributor=vendor) | Q(model__provider=vendor))
        .select_related("model__provider", "distributor").order_by("model__name", "distributor__name")
    )
    context = {
        "vendor": vendor,
        "relationships_out": list(vendor.relationships_out.select_related("target").order_by("kind", "target__name")),
        "relationships_in": list(vendor.relationships_in.select_related("source").order_by("kind", "source__name")),
        "models": list(vendor.models.order_by("name")),
        "offerings": offerings,
        "sources": list(StatusSource.objects.filter(vendor=vendor).order_by("name")),
        "show_source_details": is_admin(request.user),
        "changes": _changes_of(Q(vendor=vendor) | Q(model__provider=vendor) | Q(offering__distributor=vendor)),
        "dependencies": list(
            _dependencies(request.user).filter(Q(offering__model__provider=vendor) | Q(offering__distributor=vendor))
            .select_related("team", "offering__model", "offering__distributor").order_by("team__name", "system")[:100]
        ),
    }
    return render(request, "web/vendor_detail.html", context)


FACT_ORDER = [LifecycleFact.Field.LIFECYCLE, LifecycleFact.Field.DEPRECATION_DATE, LifecycleFact.Field.RETIREMENT_DATE,
              LifecycleFact.Field.SUCCESSOR]


def _provenance(subject) -> list[LifecycleFact]:
    """Where each lifecycle fact of a model or a route came from (the newest per field), in a fixed order."""
    facts = current_facts(subject)
    return [facts[field] for field in FACT_ORDER if field in facts]


@login_required
def model_detail(request, slug: str):
    """A model, the worst case over its routes (distributors retire the same model on their own
    dates: the earliest date any route announced, and the route that announced it), each route's
    status, dates, "safe until" and the provenance of every lifecycle fact."""
    model = (
        AIModel.objects.select_related("provider", "successor")
        .prefetch_related(
            Prefetch("offerings", queryset=Offering.objects.select_related("distributor", "successor")
                     .prefetch_related(facts_prefetch()).order_by("distributor__name", "id")),
            facts_prefetch(),
        )
        .filter(slug=slug)
        .first()
    )
    if model is None:
        raise Http404("No such model.")
    offerings = list(model.offerings.all())
    for offering in offerings:
        offering.model = model  # the page's own model, with its provider: no query per route
    worst = model_worst_case(model)
    facts_by_route = {offering.id: _provenance(offering) for offering in offerings}

    def fact_of(route, field):
        facts = current_facts(route if route is not None else model)
        return facts.get(field)

    context = {
        "model": model,
        "offerings": offerings,
        "routes": [{"offering": offering, "facts": facts_by_route[offering.id]} for offering in offerings],
        "model_facts": _provenance(model),
        "worst": worst,
        "worst_facts": {
            "deprecation": fact_of(worst.deprecation_route, LifecycleFact.Field.DEPRECATION_DATE) if worst.deprecation_date else None,
            "retirement": fact_of(worst.retirement_route, LifecycleFact.Field.RETIREMENT_DATE) if worst.retirement_date else None,
        },
        "changes": _changes_of(Q(model=model) | Q(offering__model=model)),
        "dependencies": list(
            _dependencies(request.user).filter(offering__model=model)
            .select_related("team", "offering__model", "offering__distributor").order_by("team__name", "system")[:100]
        ),
    }
    return render(request, "web/model_detail.html", context)


@login_required
def changes(request):
    form = ChangeFilterForm(request.GET or None)
    feed = StatusChange.objects.select_related("vendor", "model", "offering__model", "offering__distributor").order_by("-observed_at", "-id")
    if form.is_valid():
        data = form.cleaned_data
        if data.get("kind"):
            feed = feed.filter(kind=data["kind"])
        if data.get("severity"):
            feed = feed.filter(severity=data["severity"])
        if data.get("vendor"):
            vendor = data["vendor"]
            feed = feed.filter(Q(vendor=vendor) | Q(model__provider=vendor) | Q(offering__distributor=vendor))
        if data.get("model"):
            feed = feed.filter(Q(model=data["model"]) | Q(offering__model=data["model"]))
        if data.get("since"):
            feed = feed.filter(observed_at__date__gte=data["since"])
    page = Paginator(feed, CHANGES_PAGE).get_page(request.GET.get("page"))
    team_ids = None if sees_all_teams(request.user) else sorted(member_team_ids(request.user))
    reached = changes_reached_teams(change_ids=[change.id for change in page.object_list], team_ids=team_ids)
    rows = [{"change": change, "teams": reached.get(change.id, [])} for change in page.object_list]
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "web/changes.html", {"form": form, "page": page, "rows": rows}, status=status)

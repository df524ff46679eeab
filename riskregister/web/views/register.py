"""The register: every risk the viewer may see, filtered like the API (RiskFilter), sorted, paged,
exported as CSV with the same filters; and a second tab of dependencies."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import render
from django.urls import reverse

from riskregister.api.risks import RiskFilter, risk_queryset
from riskregister.risks import selectors
from riskregister.risks.impact import covered_against_own_provider_ban
from riskregister.teams.access import scope_to_teams, visible_teams
from riskregister.web.forms import RegisterFilterForm
from riskregister.web.paging import CappedPaginator
from riskregister.risks.models import Dependency

PAGE = 50
# ?sort= value -> (label, ordering); "-" in front of the value reverses it.
SORTS = {
    # By the unique (dependency, failure mode) index: the first page of a large register without
    # sorting every risk (bench/web.py).
    "register": ("service and failure mode", ("dependency_id", "failure_mode_id")),
    "residual": ("residual score", ("residual_score", "dependency__criticality", "id")),
    "tier": ("tier", ("dependency__criticality", "-residual_score", "id")),
    "team": ("team", ("dependency__team__name", "dependency__system", "id")),
    "service": ("service", ("dependency__system", "id")),
    "review": ("next review", ("next_review_date", "id")),
    "status": ("status", ("status", "id")),
}
ROW_FIELDS = (
    "id", "status", "next_review_date", "residual_likelihood", "residual_impact", "failure_mode__name",
    "dependency__system", "dependency__criticality", "dependency__team__slug", "dependency__team__name",
    "dependency__offering__model__name", "dependency__offering__distributor__name",
)
FILTER_NAMES = ("team", "provider", "distributor", "model", "band", "status", "reason", "criticality", "due_before",
                "residual_likelihood", "residual_impact", "inherent_likelihood", "inherent_impact")


def _ordering(sort: str) -> tuple[str, tuple[str, ...]]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORTS:
        key, descending = "register", False
    fields = SORTS[key][1]
    if descending:
        fields = tuple(field[1:] if field.startswith("-") else f"-{field}" for field in fields[:1]) + fields[1:]
    return ("-" if descending else "") + key, fields


@login_required
def register(request):
    teams = visible_teams(request.user).order_by("name")
    form = RegisterFilterForm(request.GET or None, teams=teams)
    params = {name: value for name, value in request.GET.items() if name in FILTER_NAMES and value}
    queryset = (
        risk_queryset(request.user)
        # What a row shows, and no more: a page is 50 rows of nine joined models each, and building
        # those model instances was most of the page's time.
        .select_related(None)
        .select_related("failure_mode", "dependency__team", "dependency__offering__model", "dependency__offering__distributor")
        .only(*ROW_FIELDS)
        .annotate(
            residual_score=F("residual_likelihood") * F("residual_impact"),
            residual_band=selectors.band_expression(F("residual_likelihood") * F("residual_impact")),
        )
    )
    risk_filter = RiskFilter(params, queryset=queryset, request=request)
    valid = risk_filter.is_valid()
    sort, ordering = _ordering(request.GET.get("sort", "register"))
    risks = risk_filter.qs.order_by(*ordering) if valid else queryset.none()
    page = CappedPaginator(risks, PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "sort": sort,
        "sorts": [(key, label) for key, (label, _) in SORTS.items()],
        "errors": risk_filter.errors if not valid else {},
        "csv_url": reverse("api:register-csv") + ("?" + urlencode(params) if params else ""),
        "filtered": bool(params),
        "cell": {name: params.get(name) for name in ("residual_likelihood", "residual_impact", "inherent_likelihood", "inherent_impact") if params.get(name)},
        "tab": "risks",
    }
    return render(request, "web/register.html", context, status=200 if valid else 400)


@login_required
def register_dependencies(request):
    teams = visible_teams(request.user).order_by("name")
    dependencies = scope_to_teams(
        Dependency.objects.select_related("team", "offering__model__provider", "offering__distributor", "owner"), request.user
    ).annotate(covered=covered_against_own_provider_ban())
    team = request.GET.get("team")
    if team:
        dependencies = dependencies.filter(team__slug=team)
    provider = request.GET.get("provider")
    if provider:
        dependencies = dependencies.filter(offering__model__provider__slug=provider)
    uncovered = request.GET.get("uncovered") == "1"
    if uncovered:
        dependencies = dependencies.filter(covered=False)
    page = Paginator(dependencies.order_by("criticality", "team__name", "system", "id"), PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "teams": teams, "team": team or "", "uncovered": uncovered, "tab": "dependencies"}
    return render(request, "web/register_dependencies.html", context)

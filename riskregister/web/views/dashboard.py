"""The overview after signing in: heat map, exposure, concentration, coverage, upstream organisations,
what retires soon, what changed lately and which sources are failing. Figures come from the rollup."""

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import render

from riskregister.alerts.selectors import changes_reached_teams
from riskregister.risks.models import Dependency
from riskregister.teams.access import is_admin, member_team_ids, sees_all_teams
from riskregister.web import charts
from riskregister.web.rollup import dashboard_figures, due_within, heat_cells
from vendors.models import Offering, StatusChange, StatusSource

LATEST_CHANGES = 10


def _retiring(team_ids, days: int = 90) -> list[dict]:
    """Routes the viewer's teams use whose model or route retires or is deprecated within `days`."""
    today, until = due_within(days)
    soon = Q()
    for prefix in ("", "model__"):
        soon |= Q(**{f"{prefix}retirement_date__range": (today, until)}) | Q(**{f"{prefix}deprecation_date__range": (today, until)})
    if team_ids is None:
        # Every route in use: EXISTS per route through the index on the dependency's route (an IN
        # over the routes of every dependency read the whole register on SQLite, bench/web.py).
        in_use = Exists(Dependency.objects.filter(offering_id=OuterRef("pk")))
    else:
        # A few teams' routes: through the index on the team.
        in_use = Q(id__in=Dependency.objects.filter(team_id__in=team_ids).values("offering_id"))
    offerings = (
        Offering.objects.filter(soon).filter(in_use)
        .select_related("model__provider", "distributor")
        .order_by("id")[:50]
    )
    rows = []
    for offering in offerings:
        for what, date in (("retires", offering.retirement_date or offering.model.retirement_date),
                           ("deprecated", offering.deprecation_date or offering.model.deprecation_date)):
            if date and today <= date <= until:
                rows.append({"offering": offering, "what": what, "date": date, "days": (date - today).days})
    return sorted(rows, key=lambda row: row["date"])


@login_required
def dashboard(request):
    user = request.user
    team_ids = None if sees_all_teams(user) else sorted(member_team_ids(user))
    figures = dashboard_figures(team_ids=team_ids)
    view = "inherent" if request.GET.get("matrix") == "inherent" else "residual"
    changes = list(
        StatusChange.objects.select_related("vendor", "model", "offering__model", "offering__distributor").order_by("-observed_at", "-id")[:LATEST_CHANGES]
    )
    reached = changes_reached_teams(change_ids=[change.id for change in changes], team_ids=team_ids)
    failing = StatusSource.objects.filter(enabled=True, consecutive_failures__gt=0).order_by("-consecutive_failures", "name")[:20]
    context = {
        "figures": figures,
        "view": view,
        "heat": charts.heat_map(heat_cells(figures["heat"][view]), kind=view),
        "charts": {
            by: charts.bar_chart(figures[f"by_{by}"], title=f"Exposure by {by}")
            for by in ("provider", "team", "distributor", "jurisdiction")
        },
        "upstream": figures["upstream"][:12],
        "retiring": _retiring(team_ids),
        "changes": [{"change": change, "teams": reached.get(change.id, [])} for change in changes],
        "failing": list(failing),
        "show_source_details": is_admin(user),
        "sees_all": team_ids is None,
    }
    return render(request, "web/dashboard.html", context)

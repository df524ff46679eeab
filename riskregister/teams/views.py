"""The team's page: what the team depends on, how each dependency could fail over, what its risks
score, and what changed out there for it lately (read from the reach the alerts dispatcher stored,
never recomputed here)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import render

from riskregister.alerts.selectors import refused_deliveries, team_recent_changes
from riskregister.risks import scoring
from riskregister.risks.impact import correlated_fallbacks, covered_against_own_provider_ban
from riskregister.risks.models import Dependency, Fallback, Risk
from riskregister.teams.access import can_edit_team, get_visible_team_or_404, visible_teams

RECENT_CHANGES = 20


@login_required
def team_list(request):
    teams = visible_teams(request.user).order_by("name")
    return render(request, "teams/team_list.html", {"teams": teams})


@login_required
def team_detail(request, slug: str):
    team = get_visible_team_or_404(request.user, slug)
    dependencies = list(
        Dependency.objects.filter(team=team)
        .select_related("offering__model__provider", "offering__distributor", "owner")
        .prefetch_related(
            Prefetch("fallbacks", queryset=Fallback.objects.select_related("offering__model__provider", "offering__distributor").order_by("id")),
            Prefetch("risks", queryset=Risk.objects.select_related("failure_mode").order_by("failure_mode__name")),
        )
        .annotate(covered_against_ban=covered_against_own_provider_ban())
        .order_by("criticality", "system")
    )
    rows = []
    for dependency in dependencies:
        correlated = {fallback.id for fallback in correlated_fallbacks(dependency)}
        risks = [
            {
                "risk": risk,
                "score": scoring.score(risk.residual_likelihood, risk.residual_impact),
                "band": scoring.band(risk.residual_likelihood, risk.residual_impact),
            }
            for risk in dependency.risks.all()
        ]
        worst = max(risks, key=lambda row: row["score"], default=None)
        rows.append(
            {
                "dependency": dependency,
                "fallbacks": [
                    {"fallback": fallback, "correlated": fallback.id in correlated} for fallback in dependency.fallbacks.all()
                ],
                "risks": risks,
                "worst": worst,
            }
        )
    changes = team_recent_changes(team_ids=[team.id], limit=RECENT_CHANGES)
    may_edit = can_edit_team(request.user, team.id)
    context = {"team": team, "rows": rows, "changes": changes, "may_edit": may_edit,
               "refused": list(refused_deliveries(team_id=team.id)) if may_edit else []}
    return render(request, "teams/team_detail.html", context)

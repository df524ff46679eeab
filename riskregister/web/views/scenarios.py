"""What if? Several events at once on paper, saved under a name, re-run against the register as it is."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect
from django.views.decorators.http import require_POST

from riskregister.risks import scenarios
from riskregister.risks.models import SavedScenario
from riskregister.teams.access import lead_team_ids, member_team_ids, sees_all_teams, visible_teams
from riskregister.web.forms import ScenarioForm, ScenarioSaveForm
from riskregister.web.views.common import apply_errors


BAR_WIDTH = 300


def presented(result: dict) -> dict:
    """The scenario's result as the page lists it: in each team, uncovered dependencies first."""
    for team in result["teams"]:
        team["dependencies"].sort(key=lambda dependency: (dependency["covered"], dependency["criticality"], dependency["system"]))
    result["teams"].sort(key=lambda team: (-sum(not dependency["covered"] for dependency in team["dependencies"]), team["name"]))
    return result


def _bars(result) -> dict:
    if not result:
        return {}
    top = max(result["exposure"]["before"], result["exposure"]["after"]) or 1
    return {name: max(2, round(BAR_WIDTH * result["exposure"][name] / top)) for name in ("before", "after")}


def _team_ids(user):
    return None if sees_all_teams(user) else sorted(member_team_ids(user))


def saved_scenarios(user):
    """A reviewer sees every saved scenario; others the site-wide ones and their teams'."""
    saved = SavedScenario.objects.select_related("created_by", "team").order_by("name")
    if sees_all_teams(user):
        return saved
    return saved.filter(Q(team__isnull=True) | Q(team__in=member_team_ids(user)))


def _may_save(user) -> bool:
    return sees_all_teams(user) or bool(lead_team_ids(user))


def _save(request, form, save_form, result_events):
    """Save for the lead's (first led) team, or site-wide for a reviewer or admin."""
    user = request.user
    team = None
    if not sees_all_teams(user):
        team = visible_teams(user).filter(id__in=lead_team_ids(user)).order_by("name").first()
        if team is None:
            raise PermissionDenied("Only reviewers, admins and team leads save scenarios.")
    return scenarios.scenario_save(
        name=save_form.cleaned_data["name"], description=save_form.cleaned_data["description"],
        events=result_events, actor=user, team=team,
    )


@login_required
def scenario_page(request):
    form = ScenarioForm(request.POST or None)
    # The name is needed only to save; running the same form must not be blocked by the browser.
    save_form = ScenarioSaveForm(request.POST if request.POST.get("action") == "save" else None, use_required_attribute=False)
    result, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                events = scenarios.parse_events(form.event_specs())
            except ValidationError as error:
                apply_errors(form, error)
                status = 400
            else:
                if request.POST.get("action") == "save":
                    if not _may_save(request.user):
                        raise PermissionDenied("Only reviewers, admins and team leads save scenarios.")
                    if save_form.is_valid():
                        try:
                            saved = _save(request, form, save_form, form.event_specs())
                        except ValidationError as error:
                            apply_errors(save_form, error)
                            status = 400
                        else:
                            messages.success(request, f"Scenario “{saved.name}” saved{' for ' + saved.team.name if saved.team else ' for everyone'}.")
                            url = reverse("web:scenario-saved", args=[saved.id])
                            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
                    else:
                        status = 400
                result = presented(scenarios.run_scenario(events, team_ids=_team_ids(request.user)))
        else:
            status = 400
    context = {"form": form, "save_form": save_form, "result": result, "bars": _bars(result), "saved": saved_scenarios(request.user),
               "may_save": _may_save(request.user)}
    template = "web/_scenario_result.html" if request.htmx else "web/scenario.html"
    return render(request, template, context, status=status)


@login_required
def saved_scenario(request, scenario_id: int):
    """A saved scenario re-run against the register as it is now (reading runs it; nothing is written)."""
    saved = saved_scenarios(request.user).filter(pk=scenario_id).first()
    if saved is None:
        raise Http404("No such scenario.")
    try:
        result = presented(scenarios.run_saved_scenario(saved, team_ids=_team_ids(request.user)))
    except ValidationError:
        result = None
        messages.error(request, "An event of this scenario names something that is no longer in the catalog.")
    context = {"scenario": saved, "result": result, "bars": _bars(result), "saved": saved_scenarios(request.user)}
    return render(request, "web/scenario_saved.html", context)


@login_required
@require_POST
def saved_scenario_delete(request, scenario_id: int):
    saved = saved_scenarios(request.user).filter(pk=scenario_id).first()
    if saved is None:
        raise Http404("No such scenario.")
    if not (sees_all_teams(request.user) or saved.created_by_id == request.user.pk):
        raise PermissionDenied("Only its author, reviewers and admins remove a saved scenario.")
    saved.delete()
    messages.success(request, f"Scenario “{saved.name}” removed.")
    return redirect("web:scenarios")

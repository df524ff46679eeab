"""The reviewer's queue and a risk's page: scores, timeline, assessment and mitigation."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from riskregister.imports import services as import_services
from riskregister.imports.models import ImportJob
from riskregister.risks import imports, scenarios, scoring, selectors, services
from riskregister.risks.forms import (
    AssessmentForm,
    CustomFailureModeForm,
    DependencyForm,
    ImportForm,
    MitigationForm,
    ScenarioForm,
)
from riskregister.risks.models import Dependency
from riskregister.risks.models import Risk
from riskregister.teams.access import (
    can_edit_team,
    get_visible_team_or_404,
    is_admin,
    is_reviewer,
    member_team_ids,
    scope_to_teams,
    sees_all_teams,
)

QUEUE_PAGE = 200
# The import form's formats and the import kinds they start (riskregister/risks/imports.py).
IMPORT_KINDS = {"csv": "dependencies_csv", "cyclonedx": "dependencies_cyclonedx"}


def _visible_risk_or_404(user, risk_id: int) -> Risk:
    risk = (
        scope_to_teams(Risk.objects.all(), user, team_field="dependency__team")
        .select_related(*selectors.RISK_RELATED)
        .filter(pk=risk_id)
        .first()
    )
    if risk is None:
        raise Http404("No such risk.")
    return risk


@login_required
def review_queue(request):
    if not (is_reviewer(request.user) or is_admin(request.user)):
        raise PermissionDenied("The review queue is for reviewers.")
    risks = list(selectors.review_queue()[:QUEUE_PAGE])
    return render(request, "risks/review_queue.html", {"risks": risks})


def _apply_errors(form, error: ValidationError) -> None:
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def _write_or_form_errors(form, write):
    """Run a service write for a valid form; a rule it refuses becomes the form's errors (None)."""
    try:
        return write()
    except ValidationError as error:
        _apply_errors(form, error)
        return None


def _status(request) -> int:
    """A page shown again after a POST shows it refused something."""
    return 400 if request.method == "POST" else 200


@login_required
def risk_detail(request, risk_id: int):
    risk = _visible_risk_or_404(request.user, risk_id)
    may_assess = is_reviewer(request.user) or is_admin(request.user)
    may_mitigate = may_assess or can_edit_team(request.user, risk.dependency.team_id)
    assessment_form = AssessmentForm(
        initial={
            "inherent_likelihood": risk.inherent_likelihood,
            "inherent_impact": risk.inherent_impact,
            "residual_likelihood": risk.residual_likelihood,
            "residual_impact": risk.residual_impact,
            "treatment": risk.treatment or "mitigate",
        }
    )
    mitigation_form = MitigationForm(initial={"treatment": risk.treatment or "mitigate", "mitigation": risk.mitigation})
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "assess":
            if not may_assess:
                raise PermissionDenied("Only reviewers may assess.")
            assessment_form = AssessmentForm(request.POST)
            if assessment_form.is_valid():
                data = assessment_form.cleaned_data
                assessment = _write_or_form_errors(
                    assessment_form,
                    lambda: services.risk_assess(
                        risk=risk, assessor=request.user, status=data.pop("status") or None, **data
                    ),
                )
                if assessment is not None:
                    return redirect("risks:detail", risk_id=risk.id)
        elif action == "mitigate":
            if not may_mitigate:
                raise PermissionDenied("Only the team's leads, reviewers and admins may propose mitigations.")
            mitigation_form = MitigationForm(request.POST)
            if mitigation_form.is_valid() and _write_or_form_errors(
                mitigation_form,
                lambda: services.risk_propose_mitigation(risk=risk, actor=request.user, **mitigation_form.cleaned_data),
            ):
                return redirect("risks:detail", risk_id=risk.id)
        else:
            raise Http404("Unknown action.")
    context = {
        "risk": risk,
        "inherent": {"score": scoring.score(risk.inherent_likelihood, risk.inherent_impact),
                     "band": scoring.band(risk.inherent_likelihood, risk.inherent_impact)},
        "residual": {"score": scoring.score(risk.residual_likelihood, risk.residual_impact),
                     "band": scoring.band(risk.residual_likelihood, risk.residual_impact)},
        "timeline": selectors.risk_timeline(risk=risk),
        "assessment_form": assessment_form if may_assess else None,
        "mitigation_form": mitigation_form if may_mitigate else None,
    }
    return render(request, "risks/risk_detail.html", context, status=_status(request))


@login_required
def scenario_page(request):
    """What would a ban, a retirement or an outage break? Reviewers and admins see every team; others
    their own. With htmx the form swaps in the result without reloading the page."""
    form = ScenarioForm(request.POST or None)
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                events = scenarios.parse_events(form.event_specs())
            except ValidationError as error:
                _apply_errors(form, error)
                status = 400
            else:
                team_ids = None if sees_all_teams(request.user) else member_team_ids(request.user)
                result = scenarios.run_scenario(events, team_ids=team_ids)
        else:
            status = 400
    template = "risks/_scenario_result.html" if request.htmx else "risks/scenario.html"
    return render(request, template, {"form": form, "result": result}, status=status)


@login_required
def dependency_new(request, slug: str):
    """A lead registers a dependency; its risks are proposed from the catalog at once."""
    team = get_visible_team_or_404(request.user, slug)
    if not can_edit_team(request.user, team.id):
        raise PermissionDenied("Only the team's leads and admins register dependencies.")
    form = DependencyForm(request.POST or None, team=team, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = ("system", "offering", "environment", "criticality", "data_classification", "description", "owner")
        dependency = _write_or_form_errors(
            form,
            lambda: services.dependency_create(
                team=team, fallbacks=form.fallbacks(), actor=request.user,
                **{name: data[name] for name in fields},
            ),
        )
        if dependency is not None:
            return redirect(f"/teams/{team.slug}/#dependency-{dependency.id}")
    return render(request, "risks/dependency_form.html", {"team": team, "form": form}, status=_status(request))


@login_required
def failure_mode_new(request, dependency_id: int):
    """A lead adds a failure mode of the team's own to a dependency; it becomes a risk."""
    dependency = (
        scope_to_teams(Dependency.objects.select_related("team", "offering__model", "offering__distributor"), request.user)
        .filter(pk=dependency_id)
        .first()
    )
    if dependency is None:
        raise Http404("No such dependency.")
    form = CustomFailureModeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        mode = _write_or_form_errors(
            form,
            lambda: services.failure_mode_create_custom(
                team=dependency.team, dependency=dependency, actor=request.user, **form.cleaned_data
            ),
        )
        if mode is not None:
            return redirect(f"/teams/{dependency.team.slug}/#dependency-{dependency.id}")
    context = {"dependency": dependency, "form": form}
    return render(request, "risks/failure_mode_form.html", context, status=_status(request))


@login_required
def dependency_import(request, slug: str):
    """A lead uploads a CSV or a CycloneDX AI-BOM. The request only stores the file and enqueues an
    import job (all of it is registered in the background, or none of it), then shows the job's
    progress page; the team's recent imports are listed to come back to."""
    team = get_visible_team_or_404(request.user, slug)
    if not can_edit_team(request.user, team.id):
        raise PermissionDenied("Only the team's leads and admins register dependencies.")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(settings.IMPORT_MAX_BYTES + 1)
        kind = IMPORT_KINDS[form.cleaned_data["format"]]
        options = {"system": form.cleaned_data["system"]} if kind == "dependencies_cyclonedx" else {}
        try:
            job = import_services.import_job_create(
                kind=kind, content=content, filename=upload.name, team=team, actor=request.user, options=options
            )
        except ValidationError as error:
            for where, messages in error.message_dict.items():
                form.add_error(where if where in form.fields else None, messages)
        else:
            return redirect("risks:import-job", slug=team.slug, job=job.uuid)
    status = 400 if request.method == "POST" else 200
    recent = ImportJob.objects.filter(team=team).defer("content").select_related("created_by")[:10]
    context = {"team": team, "form": form, "columns": imports.CSV_COLUMNS, "recent_jobs": recent}
    return render(request, "risks/dependency_import.html", context, status=status)


@login_required
def import_job_detail(request, slug: str, job):
    """An import job's progress and, once it ends, its result. Polled by htmx while it runs (the
    status fragment alone); without JavaScript the page offers a refresh link. Whoever may see the
    team may follow its imports; another team's job is not found."""
    team = get_visible_team_or_404(request.user, slug)
    found = ImportJob.objects.filter(team=team, uuid=job).defer("content").select_related("created_by").first()
    if found is None:
        raise Http404("No such import.")
    template = "risks/_import_job_status.html" if request.htmx else "risks/import_job.html"
    response = render(request, template, {"team": team, "job": found})
    if request.htmx and found.is_finished:
        # htmx stops polling on 286, and the fragment it got is the final one.
        response.status_code = 286
    return response

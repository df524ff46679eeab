"""A dependency's own page (route, risks, fallbacks and why each covers or not, live state, history)
and the lead's writes: register, edit, fallbacks, a failover tested today, delete, import."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.forms import formset_factory
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from riskregister.alerts.selectors import dependency_reach, open_events_for_dependencies
from riskregister.imports import services as import_services
from riskregister.imports.models import ImportJob
from riskregister.risks import imports, scoring, selectors, services
from riskregister.risks.fallbacks import fallback_suggestions
from riskregister.risks.models import Dependency, Fallback, Risk
from riskregister.teams.access import can_edit_team, get_visible_team_or_404, is_reviewer, scope_to_teams
from riskregister.web.forms import (
    CustomFailureModeForm,
    DependencyEditForm,
    DependencyForm,
    FallbackForm,
    FallbackSuggestionsForm,
    ImportForm,
    SuggestedFallbackForm,
    offering_choices,
)
from riskregister.web.rollup import rollups_refresh
from riskregister.web.views.common import apply_errors, form_status, write_or_form_errors

FallbackFormSet = formset_factory(FallbackForm, extra=1, max_num=20, validate_max=True)
HISTORY = 30
SUGGESTIONS = 10
# The import form's formats and the import kinds they start (riskregister/risks/imports.py).
IMPORT_KINDS = {"csv": "dependencies_csv", "cyclonedx": "dependencies_cyclonedx"}


def visible_dependency_or_404(user, dependency_id: int) -> Dependency:
    dependency = (
        scope_to_teams(Dependency.objects.all(), user)
        .select_related("team", "owner", "offering__model__provider", "offering__distributor")
        .prefetch_related(
            Prefetch("fallbacks", queryset=Fallback.objects.select_related("offering__model__provider", "offering__distributor").order_by("id")),
            Prefetch("risks", queryset=Risk.objects.select_related("failure_mode").order_by("failure_mode__name")),
        )
        .filter(pk=dependency_id)
        .first()
    )
    if dependency is None:
        raise Http404("No such dependency.")
    return dependency


def _require_editor(user, dependency) -> None:
    if not can_edit_team(user, dependency.team_id):
        raise PermissionDenied("Only the team's leads and admins change its dependencies.")


def _changed(request, dependency, message: str):
    rollups_refresh(team_ids=[dependency.team_id])
    messages.success(request, message)
    return redirect("web:dependency", dependency_id=dependency.id)


def _history(dependency) -> list[dict]:
    records = list(dependency.history.select_related("history_user").order_by("-history_date", "-history_id")[: HISTORY + 1])
    entries = []
    for newer, older in zip(records, records[1:] + [None]):
        if newer.history_type == "+" or older is None:
            words = "registered it"
        else:
            delta = newer.diff_against(older)
            words = "; ".join(
                f"{Dependency._meta.get_field(change.field).verbose_name} changed" for change in delta.changes if change.field != "updated_at"
            ) or "saved it"
        entries.append({"at": newer.history_date, "who": newer.history_user.get_username() if newer.history_user else "", "words": words})
    return entries[:HISTORY]


def _share_route_choices(forms) -> None:
    """Read the routes once for every route select of the page, and only what their labels show
    (each field would run its own query and build every route with its model and vendor in full)."""
    routes = offering_choices().only("id", "model__name", "distributor__name")
    choices = None
    for form in forms:
        field = form.fields["offering"]
        if choices is None:
            choices = ([("", field.empty_label)] if field.empty_label is not None else []) + [
                (route.pk, field.label_from_instance(route)) for route in routes
            ]
        field.choices = choices


def _fallback_initial(dependency) -> list[dict]:
    return [{"offering": fallback.offering, "tested_on": fallback.tested_on, "notes": fallback.notes} for fallback in dependency.fallbacks.all()]


@login_required
def dependency_detail(request, dependency_id: int):
    dependency = visible_dependency_or_404(request.user, dependency_id)
    may_edit = can_edit_team(request.user, dependency.team_id)
    edit_form = DependencyEditForm(
        team=dependency.team,
        initial={name: getattr(dependency, name) for name in ("system", "offering", "environment", "criticality", "owner", "data_classification", "description")},
    )
    fallbacks = FallbackFormSet(initial=_fallback_initial(dependency), prefix="fallbacks")
    if request.method == "POST":
        _require_editor(request.user, dependency)
        action = request.POST.get("action")
        if action == "edit":
            edit_form = DependencyEditForm(request.POST, team=dependency.team)
            if edit_form.is_valid() and write_or_form_errors(
                edit_form, lambda: services.dependency_update(dependency=dependency, actor=request.user, **edit_form.cleaned_data)
            ):
                return _changed(request, dependency, f"{dependency.system} saved.")
        elif action == "fallbacks":
            fallbacks = FallbackFormSet(request.POST, prefix="fallbacks")
            if fallbacks.is_valid():
                specs = [
                    {"offering": row["offering"], "tested_on": row.get("tested_on"), "notes": row.get("notes", "")}
                    for row in fallbacks.cleaned_data
                    if row and row.get("offering") and not row.get("DELETE")
                ]
                try:
                    services.fallback_set(dependency=dependency, fallbacks=specs, actor=request.user)
                except ValidationError as error:
                    fallbacks._non_form_errors = fallbacks.error_class([m for ms in error.message_dict.values() for m in ms])
                else:
                    return _changed(request, dependency, f"Fallbacks of {dependency.system} saved: {len(specs)}.")
        else:
            raise Http404("Unknown action.")
    verdicts = selectors.fallback_verdicts(dependency=dependency)
    # Suggestions are computed when asked for (the GET form below the fallbacks): against a full
    # catalog they read thousands of candidate routes, which the page's every view should not pay.
    suggest_form = FallbackSuggestionsForm(request.GET if "suggest" in request.GET else None)
    suggestions = None
    if suggest_form.is_bound and suggest_form.is_valid():
        suggestions = fallback_suggestions(
            dependency=dependency, limit=SUGGESTIONS,
            other_jurisdiction=suggest_form.cleaned_data["other_jurisdiction"],
            other_distributor=suggest_form.cleaned_data["other_distributor"],
        )
    if may_edit:
        _share_route_choices([edit_form, *fallbacks.forms])
    offering_ids = [dependency.offering_id] + [fallback.offering_id for fallback in dependency.fallbacks.all()]
    context = {
        "dependency": dependency,
        "risks": [
            {"risk": risk, "band": scoring.band(risk.residual_likelihood, risk.residual_impact),
             "score": scoring.score(risk.residual_likelihood, risk.residual_impact)}
            for risk in dependency.risks.all()
        ],
        "verdicts": verdicts,
        "covered": any(verdict["covers"] for verdict in verdicts),
        "open_events": open_events_for_dependencies(dependency_ids=[dependency.id]).get(dependency.id, []),
        "reached": dependency_reach(dependency_id=dependency.id, limit=20),
        "history": _history(dependency),
        "may_edit": may_edit,
        "edit_form": edit_form if may_edit else None,
        "fallbacks": fallbacks if may_edit else None,
        "offering_ids": offering_ids,
        "suggest_form": suggest_form,
        "suggestions": suggestions,
    }
    return render(request, "web/dependency_detail.html", context, status=form_status(request))


@login_required
@require_POST
def fallback_tested_today(request, dependency_id: int, fallback_id: int):
    dependency = visible_dependency_or_404(request.user, dependency_id)
    _require_editor(request.user, dependency)
    current = list(dependency.fallbacks.all())
    if fallback_id not in {fallback.id for fallback in current}:
        raise Http404("No such fallback.")
    today = timezone.localdate()
    services.fallback_set(
        dependency=dependency,
        fallbacks=[{"offering": fallback.offering, "notes": fallback.notes,
                    "tested_on": today if fallback.id == fallback_id else fallback.tested_on} for fallback in current],
        actor=request.user,
    )
    tested = next(fallback for fallback in current if fallback.id == fallback_id)
    return _changed(request, dependency, f"Failover to {tested.offering.model.name} via {tested.offering.distributor.name} recorded as tested today.")


@login_required
@require_POST
def suggested_fallback_add(request, dependency_id: int):
    """A lead adds a suggested route as an untested fallback (risks.services.fallback_add)."""
    dependency = visible_dependency_or_404(request.user, dependency_id)
    _require_editor(request.user, dependency)
    form = SuggestedFallbackForm(request.POST)
    if form.is_valid():
        offering = form.cleaned_data["offering"]
        try:
            services.fallback_add(dependency=dependency, offering=offering, actor=request.user, notes=form.cleaned_data["notes"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _changed(
                request, dependency,
                f"{offering.model.name} via {offering.distributor.name} added as a fallback of {dependency.system}, "
                "not yet tested: record a failover test to make it cover.",
            )
    explanation = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
    return render(request, "web/error.html", {"status": 400, "title": "That fallback was not added", "explanation": explanation}, status=400)


@login_required
def dependency_delete(request, dependency_id: int):
    """A confirmation page, then the delete; the history keeps what was removed and by whom."""
    dependency = visible_dependency_or_404(request.user, dependency_id)
    _require_editor(request.user, dependency)
    if request.method == "POST":
        team = dependency.team
        # Deleting archives: the risks are closed, the reviewers' assessments and the history kept.
        services.dependency_delete(dependency=dependency, actor=request.user)
        rollups_refresh(team_ids=[team.id])
        messages.success(request, f"{dependency.system} deleted (archived): its risks are closed, their assessments and history kept.")
        return redirect("web:team", slug=team.slug)
    return render(request, "web/dependency_delete.html", {"dependency": dependency})


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
        dependency = write_or_form_errors(
            form,
            lambda: services.dependency_create(
                team=team, fallbacks=form.fallbacks(), actor=request.user,
                **{name: data[name] for name in fields},
            ),
        )
        if dependency is not None:
            rollups_refresh(team_ids=[team.id])
            messages.success(request, f"{dependency.system} registered with {dependency.risks.count()} proposed risks.")
            return redirect("web:dependency", dependency_id=dependency.id)
    return render(request, "web/dependency_form.html", {"team": team, "form": form}, status=form_status(request))


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
    if not (is_reviewer(request.user) or can_edit_team(request.user, dependency.team_id)):
        raise PermissionDenied("Only the team's leads, reviewers and admins add failure modes.")
    form = CustomFailureModeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        mode = write_or_form_errors(
            form,
            lambda: services.failure_mode_create_custom(team=dependency.team, dependency=dependency, actor=request.user, **form.cleaned_data),
        )
        if mode is not None:
            rollups_refresh(team_ids=[dependency.team_id])
            messages.success(request, f"“{mode.name}” added as a risk of {dependency.system}.")
            return redirect("web:dependency", dependency_id=dependency.id)
    return render(request, "web/failure_mode_form.html", {"dependency": dependency, "form": form}, status=form_status(request))


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
            apply_errors(form, error)
        else:
            messages.success(request, f"{upload.name} is being imported; this page follows it.")
            return redirect("web:import-job", slug=team.slug, job=job.uuid)
    status = 400 if request.method == "POST" else 200
    recent = ImportJob.objects.filter(team=team).defer("content").select_related("created_by")[:10]
    context = {"team": team, "form": form, "columns": imports.CSV_COLUMNS, "recent_jobs": recent}
    return render(request, "web/dependency_import.html", context, status=status)


@login_required
def import_job_detail(request, slug: str, job):
    """An import job's progress and, once it ends, its result. Polled by htmx while it runs (the
    status fragment alone); without JavaScript the page offers a refresh link. Whoever may see the
    team may follow its imports; another team's job is not found."""
    team = get_visible_team_or_404(request.user, slug)
    found = ImportJob.objects.filter(team=team, uuid=job).defer("content").select_related("created_by").first()
    if found is None:
        raise Http404("No such import.")
    template = "web/_import_job_status.html" if request.htmx else "web/import_job.html"
    context = {"team": team, "job": found, "may_edit": can_edit_team(request.user, team.id)}
    response = render(request, template, context)
    if request.htmx and found.is_finished:
        # htmx stops polling on 286, and the fragment it got is the final one.
        response.status_code = 286
    return response

"""The reviewer's queue and a risk's page: scores, matrix, timeline, assessment and mitigation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from riskregister.risks import scoring, selectors, services
from riskregister.risks.models import Criticality, Risk
from riskregister.teams.access import can_edit_team, is_admin, is_reviewer, scope_to_teams, visible_teams
from riskregister.web import charts
from riskregister.web.forms import AssessmentForm, MitigationForm, QueueFilterForm
from riskregister.web.rollup import heat_cells, rollups_refresh
from riskregister.web.views.common import form_status, write_or_form_errors

QUEUE_PAGE = 50


def visible_risk_or_404(user, risk_id: int) -> Risk:
    risk = (
        scope_to_teams(Risk.objects.all(), user, team_field="dependency__team")
        .select_related(*selectors.RISK_RELATED)
        .filter(pk=risk_id)
        .first()
    )
    if risk is None:
        raise Http404("No such risk.")
    return risk


def _may_review(user) -> bool:
    return is_reviewer(user) or is_admin(user)


def filtered_queue(form) -> object:
    queue = selectors.review_queue(by_reason=True)
    if form.is_valid():
        data = form.cleaned_data
        if data.get("team"):
            queue = queue.filter(dependency__team__slug=data["team"].slug)
        if data.get("band"):
            queue = queue.filter(residual_band=data["band"])
        if data.get("reason"):
            queue = queue.filter(queue_reason=data["reason"])
        if data.get("tier"):
            queue = queue.filter(dependency__criticality=data["tier"])
    return queue


@login_required
def review_queue(request):
    if not _may_review(request.user):
        raise PermissionDenied("The review queue is for risk reviewers: ask an admin to add you to the reviewers group.")
    form = QueueFilterForm(request.GET or None, teams=visible_teams(request.user).order_by("name"))
    queue = filtered_queue(form)
    page = Paginator(queue, QUEUE_PAGE).get_page(request.GET.get("page"))
    rows = [{"risk": risk, "reason": selectors.QueueReason.LABELS[risk.queue_reason]} for risk in page.object_list]
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "web/review_queue.html", {"form": form, "page": page, "rows": rows}, status=status)


def _next_in_queue(request, after: Risk) -> str:
    """Where a reviewer goes after an assessment: the next risk of the queue (with the filters the
    queue was read with), or back to the queue when it is empty."""
    form = QueueFilterForm(request.GET or None, teams=visible_teams(request.user))
    following = filtered_queue(form).exclude(pk=after.pk).values_list("id", flat=True).first()
    suffix = f"?{request.GET.urlencode()}" if request.GET else ""
    if following is None:
        return reverse("web:review-queue") + suffix
    return reverse("web:risk", args=[following]) + suffix


@login_required
def risk_detail(request, risk_id: int):
    risk = visible_risk_or_404(request.user, risk_id)
    may_assess = _may_review(request.user)
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
    # Its own ids: both forms have a treatment field.
    mitigation_form = MitigationForm(initial={"treatment": risk.treatment or "mitigate", "mitigation": risk.mitigation},
                                     auto_id="mitigation_%s")
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "assess":
            if not may_assess:
                raise PermissionDenied("Only risk reviewers and admins assess risks.")
            assessment_form = AssessmentForm(request.POST)
            if assessment_form.is_valid():
                data = assessment_form.cleaned_data
                assessment = write_or_form_errors(
                    assessment_form,
                    lambda: services.risk_assess(risk=risk, assessor=request.user, status=data.pop("status") or None, **data),
                )
                if assessment is not None:
                    rollups_refresh(team_ids=[risk.dependency.team_id])
                    messages.success(
                        request,
                        f"Assessment of “{risk.failure_mode}” of {risk.dependency.system} saved: {assessment.band}, "
                        f"next review {assessment.next_review_date:%Y-%m-%d}.",
                    )
                    return redirect(_next_in_queue(request, risk))
        elif action == "mitigate":
            if not may_mitigate:
                raise PermissionDenied("Only the team's leads, reviewers and admins propose mitigations.")
            mitigation_form = MitigationForm(request.POST, auto_id="mitigation_%s")
            if mitigation_form.is_valid() and write_or_form_errors(
                mitigation_form,
                lambda: services.risk_propose_mitigation(risk=risk, actor=request.user, **mitigation_form.cleaned_data),
            ):
                messages.success(request, "Mitigation proposed; the risk waits for a reviewer.")
                return redirect("web:risk", risk_id=risk.id)
        else:
            raise Http404("Unknown action.")
    residual_cell = (risk.residual_likelihood, risk.residual_impact)
    inherent_cell = (risk.inherent_likelihood, risk.inherent_impact)
    matrix = charts.heat_map(heat_cells({}), kind="residual")
    for cell in matrix["cells"]:
        cell["residual"] = (cell["likelihood"], cell["impact"]) == residual_cell
        cell["inherent"] = (cell["likelihood"], cell["impact"]) == inherent_cell
    context = {
        "risk": risk,
        "inherent": {"score": scoring.score(*inherent_cell), "band": scoring.band(*inherent_cell)},
        "residual": {"score": scoring.score(*residual_cell), "band": scoring.band(*residual_cell)},
        "matrix": matrix,
        "timeline": selectors.risk_timeline(risk=risk),
        "assessment_form": assessment_form if may_assess else None,
        "mitigation_form": mitigation_form if may_mitigate else None,
        "may_review": may_assess,
        "tiers": dict(Criticality.choices),
    }
    return render(request, "web/risk_detail.html", context, status=form_status(request))

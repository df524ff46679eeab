"""The code scan in the web: a lead uploads a zip of a source tree, a worker scans it (an import job
of kind `code_scan`, followed on the import job's page), and the lead registers what it found."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from riskregister.imports.models import ImportJob
from riskregister.scan import services
from riskregister.teams.access import can_edit_team, get_visible_team_or_404
from riskregister.web.forms import CodeScanForm
from riskregister.web.views.common import apply_errors


def _editable_team(user, slug: str):
    team = get_visible_team_or_404(user, slug)
    if not can_edit_team(user, team.id):
        raise PermissionDenied("Only the team's leads and admins scan code for its dependencies.")
    return team


@login_required
def code_scan(request, slug: str):
    """The upload form (also on the team's page); the request stores the zip and enqueues the scan."""
    team = _editable_team(request.user, slug)
    form = CodeScanForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        options = {key: form.cleaned_data[key] for key in ("system", "environment", "criticality")}
        try:
            job = services.code_scan_start(team=team, content=upload.read(settings.SCAN_MAX_UPLOAD_BYTES + 1),
                                           filename=upload.name, actor=request.user, options=options)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{upload.name} is being scanned; this page follows it.")
            return redirect("web:import-job", slug=team.slug, job=job.uuid)
    status = 400 if request.method == "POST" else 200
    recent = ImportJob.objects.filter(team=team, kind="code_scan").defer("content").select_related("created_by")[:10]
    return render(request, "web/code_scan.html", {"team": team, "form": form, "recent_jobs": recent}, status=status)


@login_required
@require_POST
def code_scan_apply(request, slug: str, job):
    """Register the dependencies a finished scan proposed, in the background (all or nothing)."""
    team = _editable_team(request.user, slug)
    scan_job = ImportJob.objects.filter(team=team, uuid=job, kind="code_scan").defer("content").first()
    if scan_job is None:
        raise Http404("No such scan.")
    try:
        applied = services.code_scan_apply_start(scan_job=scan_job, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("web:import-job", slug=team.slug, job=scan_job.uuid)
    messages.success(request, "The dependencies the scan found are being registered.")
    return redirect("web:import-job", slug=team.slug, job=applied.uuid)

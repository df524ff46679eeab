"""The team's page: every dependency (uncovered first) with its route's live state, every risk as a
band chip, the changes that reached the team, the alerts it received and its subscriptions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from riskregister.alerts import services as alert_services
from riskregister.alerts.models import Alert, Delivery, Subscription
from riskregister.alerts.selectors import open_events_for_dependencies, refused_deliveries, team_recent_changes
from riskregister.risks import scoring
from riskregister.risks.impact import correlated_fallbacks, covered_against_own_provider_ban
from riskregister.risks.models import Dependency, Fallback, Risk
from riskregister.teams import services as team_services
from riskregister.teams.access import can_edit_team, get_visible_team_or_404, visible_teams
from riskregister.teams.models import Membership
from riskregister.web.forms import CodeScanForm, EmailAlertsForm, SubscriptionForm
from riskregister.web.views.common import write_or_form_errors

RECENT_CHANGES = 20
RECENT_ALERTS = 20


@login_required
def team_list(request):
    teams = visible_teams(request.user).order_by("name")
    return render(request, "web/team_list.html", {"teams": teams})


def _alerts(team):
    """The team's recent alerts with how many of their recipients got them (counts only: the
    addresses a server refused are listed to the lead apart, `refused_deliveries`)."""
    return list(
        Alert.objects.filter(team=team)
        .annotate(
            targets=Count("deliveries"),
            channels=Count("deliveries__channel", distinct=True),
            delivered=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
        )
        .order_by("-created_at", "-id")[:RECENT_ALERTS]
    )


@login_required
def team_detail(request, slug: str):
    team = get_visible_team_or_404(request.user, slug)
    may_edit = can_edit_team(request.user, team.id)
    subscription_form = SubscriptionForm(request.POST or None, initial={"min_severity": "minor", "mode": "immediate"})
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("Only the team's leads and admins manage its subscriptions.")
        if subscription_form.is_valid() and write_or_form_errors(
            subscription_form,
            lambda: alert_services.subscription_create(team=team, actor=request.user, **subscription_form.cleaned_data),
        ):
            messages.success(request, "Subscription added.")
            return redirect("web:team", slug=team.slug)
    dependencies = list(
        Dependency.objects.filter(team=team)
        .select_related("offering__model__provider", "offering__distributor", "owner")
        .prefetch_related(
            Prefetch("fallbacks", queryset=Fallback.objects.select_related("offering__model__provider", "offering__distributor").order_by("id")),
            Prefetch("risks", queryset=Risk.objects.select_related("failure_mode").order_by("failure_mode__name")),
        )
        .annotate(covered_against_ban=covered_against_own_provider_ban())
        .order_by("covered_against_ban", "criticality", "system")
    )
    events = open_events_for_dependencies(dependency_ids=[dependency.id for dependency in dependencies])
    rows = []
    for dependency in dependencies:
        correlated = {fallback.id for fallback in correlated_fallbacks(dependency)}
        risks = sorted(
            (
                {"risk": risk, "score": scoring.score(risk.residual_likelihood, risk.residual_impact),
                 "band": scoring.band(risk.residual_likelihood, risk.residual_impact)}
                for risk in dependency.risks.all()
            ),
            key=lambda row: (-row["score"], row["risk"].failure_mode.name),
        )
        rows.append(
            {
                "dependency": dependency,
                "fallbacks": [{"fallback": fallback, "correlated": fallback.id in correlated} for fallback in dependency.fallbacks.all()],
                "risks": risks,
                "worst": risks[0] if risks else None,
                "events": events.get(dependency.id, []),
            }
        )
    context = {
        "team": team,
        "rows": rows,
        "changes": team_recent_changes(team_ids=[team.id], limit=RECENT_CHANGES),
        "alerts": _alerts(team),
        "subscriptions": list(Subscription.objects.filter(team=team).select_related("user").order_by("id")),
        "subscription_form": subscription_form if may_edit else None,
        "may_edit": may_edit,
        "scan_form": CodeScanForm(auto_id="scan_%s") if may_edit else None,
        "my_membership": Membership.objects.filter(team=team, user=request.user).first(),
        # Addresses refused for good are the lead's to fix; members do not see the others' addresses.
        "refused": list(refused_deliveries(team_id=team.id)) if may_edit else [],
    }
    return render(request, "web/team_detail.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def subscription_toggle(request, slug: str, subscription_id: int):
    team = get_visible_team_or_404(request.user, slug)
    subscription = Subscription.objects.filter(team=team, pk=subscription_id).first()
    if subscription is None:
        raise Http404("No such subscription.")
    alert_services.subscription_set_active(subscription=subscription, active=not subscription.active, actor=request.user)
    messages.success(request, f"Subscription {'resumed' if subscription.active else 'paused'}.")
    return redirect("web:team", slug=team.slug)


@login_required
@require_POST
def my_email_alerts(request, slug: str):
    """The signed-in member turns their own alert emails for this team off or on. Only their own
    membership is reachable here: another team is not found, and so is a team one is not on."""
    team = get_visible_team_or_404(request.user, slug)
    membership = Membership.objects.filter(team=team, user=request.user).first()
    if membership is None:
        raise Http404("You are not a member of this team.")
    form = EmailAlertsForm(request.POST)
    if not form.is_valid():
        explanation = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
        return render(request, "web/error.html", {"status": 400, "title": "That request could not be read",
                                                  "explanation": explanation}, status=400)
    team_services.membership_set_email_alerts(membership=membership, enabled=form.cleaned_data["email_alerts"], actor=request.user)
    said = (f"You will receive {team.name}'s alert emails again." if membership.email_alerts
            else f"You will no longer receive {team.name}'s alert emails.")
    if request.htmx:
        return render(request, "web/_my_email_alerts.html", {"team": team, "my_membership": membership, "said": said})
    messages.success(request, said)
    return redirect(f"{reverse('web:team', kwargs={'slug': team.slug})}#my-emails")

from django.urls import path

from riskregister.web.views import dashboard, dependencies, register, risks, scan, scenarios, supply, teams

app_name = "web"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("register/", register.register, name="register"),
    path("register/dependencies/", register.register_dependencies, name="register-dependencies"),
    path("review/", risks.review_queue, name="review-queue"),
    path("risks/<int:risk_id>/", risks.risk_detail, name="risk"),
    path("scenarios/", scenarios.scenario_page, name="scenarios"),
    path("scenarios/<int:scenario_id>/", scenarios.saved_scenario, name="scenario-saved"),
    path("scenarios/<int:scenario_id>/delete/", scenarios.saved_scenario_delete, name="scenario-delete"),
    path("teams/", teams.team_list, name="teams"),
    path("teams/<slug:slug>/", teams.team_detail, name="team"),
    path("teams/<slug:slug>/my-emails/", teams.my_email_alerts, name="my-email-alerts"),
    path("teams/<slug:slug>/subscriptions/<int:subscription_id>/toggle/", teams.subscription_toggle, name="subscription-toggle"),
    path("teams/<slug:slug>/dependencies/new/", dependencies.dependency_new, name="dependency-new"),
    path("teams/<slug:slug>/dependencies/import/", dependencies.dependency_import, name="dependency-import"),
    path("teams/<slug:slug>/imports/<uuid:job>/", dependencies.import_job_detail, name="import-job"),
    path("teams/<slug:slug>/scan/", scan.code_scan, name="code-scan"),
    path("teams/<slug:slug>/scan/<uuid:job>/apply/", scan.code_scan_apply, name="code-scan-apply"),
    path("dependencies/<int:dependency_id>/", dependencies.dependency_detail, name="dependency"),
    path("dependencies/<int:dependency_id>/delete/", dependencies.dependency_delete, name="dependency-delete"),
    path("dependencies/<int:dependency_id>/fallbacks/<int:fallback_id>/tested-today/", dependencies.fallback_tested_today,
         name="fallback-tested-today"),
    path("dependencies/<int:dependency_id>/fallbacks/suggested/", dependencies.suggested_fallback_add, name="suggested-fallback-add"),
    path("dependencies/<int:dependency_id>/failure-modes/new/", dependencies.failure_mode_new, name="failure-mode-new"),
    path("supply-chain/", supply.supply_chain, name="supply-chain"),
    path("vendors/<slug:slug>/", supply.vendor_detail, name="vendor"),
    path("models/<slug:slug>/", supply.model_detail, name="model"),
    path("changes/", supply.changes, name="changes"),
]

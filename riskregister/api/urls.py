"""The API's URLs: `/api/v1/...`, the schema at `/api/schema/` and Swagger UI at `/api/docs/`.

tests/api/test_access_matrix.py walks every pattern here; a new one needs an entry in its matrix.
"""

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from riskregister.api import alerts, analysis, auth, catalog, catalog_import, dependencies, imports, risks, status, teams


class PublicSchemaView(SpectacularAPIView):
    """The schema, readable without signing in."""

    authentication_classes = []
    permission_classes = []


class PublicSwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served as a file (`?script`), not inline: the Content
    Security Policy allows scripts from our own origin only. Its template is overridden in
    riskregister/templates/drf_spectacular/ to move the inline <style> into api-docs.css."""

    authentication_classes = []
    permission_classes = []


# Path converters rather than regexes: ids are `<int:pk>` (a non-number is a 404), teams `<slug:slug>`.
@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any other path under /api/: a 404 in the API's error shape rather than an HTML page."""
    return JsonResponse({"error": {"code": "not_found", "message": "No such endpoint.", "fields": {}}}, status=404)


router = SimpleRouter(trailing_slash=True, use_regex_path=False)
router.register("vendors", catalog.VendorViewSet, basename="vendor")
router.register("vendor-relationships", catalog.VendorRelationshipViewSet, basename="vendor-relationship")
router.register("models", catalog.AIModelViewSet, basename="aimodel")
router.register("offerings", catalog.OfferingViewSet, basename="offering")
router.register("teams", teams.TeamViewSet, basename="team")
router.register("dependencies", dependencies.DependencyViewSet, basename="dependency")
router.register("failure-modes", risks.FailureModeViewSet, basename="failure-mode")
router.register("risks", risks.RiskViewSet, basename="risk")
router.register("risks/<int:risk_pk>/assessments", risks.AssessmentViewSet, basename="assessment")
router.register("status-sources", status.StatusSourceViewSet, basename="status-source")
router.register("status-changes", status.StatusChangeViewSet, basename="status-change")
router.register("scenarios", analysis.ScenarioViewSet, basename="scenario")
router.register("subscriptions", alerts.SubscriptionViewSet, basename="subscription")
router.register("alerts", alerts.AlertViewSet, basename="alert")
router.register("import-jobs", imports.ImportJobViewSet, basename="import-job")

app_name = "api"

v1_patterns = [
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    path("exposure/", analysis.ExposureView.as_view(), name="exposure"),
    path("register.csv", analysis.RegisterCSVView.as_view(), name="register-csv"),
    path("teams/<slug:slug>/imports/", imports.TeamImportCreateView.as_view(), name="team-imports"),
    path("catalog/imports/", catalog_import.CatalogImportView.as_view(), name="catalog-import"),
    *router.urls,
]

urlpatterns = [
    path("v1/", include(v1_patterns)),
    path("schema/", PublicSchemaView.as_view(), name="schema"),
    path("docs/", PublicSwaggerView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^[\s\S]*$", not_found, name="not-found"),
]

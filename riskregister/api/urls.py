"""The API's URLs: `/api/v1/...`, the schema at `/api/schema/` and Swagger UI at `/api/docs/`.

tests/api/test_access_matrix.py walks every pattern here; a new one needs an entry in its matrix.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from riskregister.api import auth, catalog, teams


class PublicSchemaView(SpectacularAPIView):
    """The schema, readable without signing in."""

    authentication_classes = []
    permission_classes = []


class PublicSwaggerView(SpectacularSwaggerView):
    authentication_classes = []
    permission_classes = []


router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("vendors", catalog.VendorViewSet, basename="vendor")
router.register("vendor-relationships", catalog.VendorRelationshipViewSet, basename="vendor-relationship")
router.register("models", catalog.AIModelViewSet, basename="aimodel")
router.register("offerings", catalog.OfferingViewSet, basename="offering")
router.register("teams", teams.TeamViewSet, basename="team")

app_name = "api"

v1_patterns = [
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    *router.urls,
]

urlpatterns = [
    path("v1/", include(v1_patterns)),
    path("schema/", PublicSchemaView.as_view(), name="schema"),
    path("docs/", PublicSwaggerView.as_view(url_name="api:schema"), name="docs"),
]

from django.contrib import admin
from django.urls import include, path, re_path

from riskregister.core import hooks
from riskregister.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # With or without the trailing slash: a status page's form takes the URL as pasted.
    re_path(
        r"^hooks/sources/(?P<source_uuid>[0-9a-fA-F-]{36})/(?P<token>[A-Za-z0-9_-]{1,200})/?$",
        hooks.source_push,
        name="source-push",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("riskregister.api.urls")),
    path("", include("riskregister.web.urls")),
]

handler400 = "riskregister.web.views.errors.bad_request"
handler403 = "riskregister.web.views.errors.permission_denied"
handler404 = "riskregister.web.views.errors.page_not_found"
handler500 = "riskregister.web.views.errors.server_error"

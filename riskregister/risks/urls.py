from django.urls import path

from riskregister.risks import views

app_name = "risks"
urlpatterns = [
    path("review/", views.review_queue, name="review-queue"),
    path("risks/<int:risk_id>/", views.risk_detail, name="detail"),
    path("scenarios/", views.scenario_page, name="scenario"),
    path("teams/<slug:slug>/dependencies/new/", views.dependency_new, name="dependency-new"),
    path("teams/<slug:slug>/dependencies/import/", views.dependency_import, name="dependency-import"),
    path("teams/<slug:slug>/imports/<uuid:job>/", views.import_job_detail, name="import-job"),
    path("dependencies/<int:dependency_id>/failure-modes/new/", views.failure_mode_new, name="failure-mode-new"),
]

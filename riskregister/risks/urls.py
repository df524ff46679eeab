from django.urls import path

from riskregister.risks import views

app_name = "risks"
urlpatterns = [
    path("review/", views.review_queue, name="review-queue"),
    path("risks/<int:risk_id>/", views.risk_detail, name="detail"),
    path("scenarios/", views.scenario_page, name="scenario"),
]

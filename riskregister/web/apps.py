from django.apps import AppConfig


class WebConfig(AppConfig):
    """The pages leads and reviewers work in: views, forms, templates and static files."""

    name = "riskregister.web"
    label = "web"

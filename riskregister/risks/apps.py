from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "riskregister.risks"
    label = "risks"

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "riskregister.alerts"
    label = "alerts"

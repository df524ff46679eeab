from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "riskregister.teams"
    label = "teams"

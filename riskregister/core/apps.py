from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "riskregister.core"
    label = "core"

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "riskregister.imports"
    label = "imports"
    verbose_name = "import jobs"

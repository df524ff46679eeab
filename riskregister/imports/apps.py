from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "riskregister.imports"
    label = "imports"
    verbose_name = "import jobs"

    def ready(self):
        from riskregister.imports import catalog  # noqa: F401  (registers the catalog import kind)

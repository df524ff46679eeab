from django.apps import AppConfig


class ScanConfig(AppConfig):
    name = "riskregister.scan"
    label = "scan"
    verbose_name = "code scan"

    def ready(self):
        from riskregister.scan import imports  # noqa: F401  (registers the code scan import kinds)

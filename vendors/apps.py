from django.apps import AppConfig


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = "AI supply side"

    def ready(self):
        from vendors.sources import BUILTIN_MODULES, source_kinds

        source_kinds.load(BUILTIN_MODULES)

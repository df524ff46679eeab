import importlib

from django.apps import AppConfig


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = "AI supply side"

    def ready(self):
        from vendors.sources import BUILTIN_MODULES

        # Each module registers its source kind (vendors/registry.py).
        for module in BUILTIN_MODULES:
            importlib.import_module(module)

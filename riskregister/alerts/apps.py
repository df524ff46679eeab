import importlib

from django.apps import AppConfig

CHANNEL_MODULES = ("riskregister.alerts.channels.email",)


class AlertsConfig(AppConfig):
    name = "riskregister.alerts"
    label = "alerts"

    def ready(self):
        # Each module registers its channel (vendors/registry.py); Slack and webhook come next.
        for module in CHANNEL_MODULES:
            importlib.import_module(module)

        from riskregister.alerts.receivers import enqueue_dispatch
        from vendors.signals import changes_recorded

        changes_recorded.connect(enqueue_dispatch, dispatch_uid="alerts-enqueue-dispatch")

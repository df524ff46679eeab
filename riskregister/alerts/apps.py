from django.apps import AppConfig

CHANNEL_MODULES = ("riskregister.alerts.channels.email",)


class AlertsConfig(AppConfig):
    name = "riskregister.alerts"
    label = "alerts"

    def ready(self):
        from riskregister.alerts.channels import channels

        channels.load(CHANNEL_MODULES)  # Slack and webhook channels are added to CHANNEL_MODULES

        from riskregister.alerts.receivers import enqueue_dispatch
        from vendors.signals import changes_recorded

        changes_recorded.connect(enqueue_dispatch, dispatch_uid="alerts-enqueue-dispatch")

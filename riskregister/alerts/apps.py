from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "riskregister.alerts"
    label = "alerts"

    def ready(self):
        from riskregister.alerts.receivers import enqueue_dispatch
        from vendors.signals import changes_recorded

        changes_recorded.connect(enqueue_dispatch, dispatch_uid="alerts-enqueue-dispatch")

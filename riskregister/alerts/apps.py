from django.apps import AppConfig

CHANNEL_MODULES = (
    "riskregister.alerts.channels.email",
    "riskregister.alerts.channels.slack",
    "riskregister.alerts.channels.webhook",
)


class AlertsConfig(AppConfig):
    name = "riskregister.alerts"
    label = "alerts"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from riskregister.alerts.channels import channels

        channels.load(CHANNEL_MODULES)

        from riskregister.alerts.receivers import dependency_saved, enqueue_dispatch, fallback_changed
        from riskregister.risks.models import Dependency, Fallback
        from vendors.signals import changes_recorded

        changes_recorded.connect(enqueue_dispatch, dispatch_uid="alerts-enqueue-dispatch")
        post_save.connect(dependency_saved, sender=Dependency, dispatch_uid="alerts-dependency-reach")
        post_save.connect(fallback_changed, sender=Fallback, dispatch_uid="alerts-fallback-reach")
        post_delete.connect(fallback_changed, sender=Fallback, dispatch_uid="alerts-fallback-deleted-reach")

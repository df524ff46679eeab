from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "riskregister.risks"
    label = "risks"

    def ready(self):
        from riskregister.risks import imports  # noqa: F401  (registers the dependency import kinds)
        from riskregister.risks.receivers import flag_risks_of_batch
        from vendors.signals import changes_recorded

        changes_recorded.connect(flag_risks_of_batch, dispatch_uid="risks-flag-changed")

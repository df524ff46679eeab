"""Put the failure-mode catalog of DESIGN.md into every database.

Idempotent (by slug), so a catalog entry an admin has edited is left as it is. The rows are copied
here rather than imported, so that this migration means the same thing whenever it runs.
"""

import uuid

from django.db import migrations

CATALOG = [
    ("regulatory-shutdown", "Regulatory shutdown", "provider", 2, 5,
     "A government ban or export control pulls the provider's models everywhere at once; every distributor goes dark while its own status page stays green."),
    ("deprecation", "Deprecation or retirement", "model", 4, 3,
     "The model is deprecated and then retired on a date set by the provider or distributor."),
    ("provider-outage", "Provider outage", "provider", 3, 3, "The provider's service is down or degraded."),
    ("distributor-outage", "Distributor outage", "distributor", 3, 3,
     "The reseller's service (a cloud region, a marketplace) is down while the provider's is not."),
    ("price-or-quota-change", "Price or quota change", "offering", 3, 2, "Prices rise or rate limits and quotas shrink."),
    ("policy-change", "Usage-policy change", "provider", 3, 2,
     "Terms or the usage policy change so that the use is no longer allowed or needs new controls."),
    ("security-incident", "Security incident", "model", 2, 4,
     "A published jailbreak, a data leak or a compromise of the provider or distributor."),
    ("vendor-conflict-of-interest", "Vendor conflict of interest", "distributor", 2, 4,
     "The distributor invests in or owns the provider: its interests, and its own red-teaming, can decide the fate of the model it resells."),
    ("acquisition-or-insolvency", "Acquisition or insolvency", "provider", 1, 5, "The provider is bought, merged or goes out of business."),
    ("behaviour-drift", "Silent behaviour change", "model", 3, 2, "The model behind the same id changes its answers without notice."),
]


def create_catalog(apps, schema_editor):
    FailureMode = apps.get_model("risks", "FailureMode")
    for slug, name, level, likelihood, impact, description in CATALOG:
        FailureMode.objects.get_or_create(
            slug=slug,
            defaults={
                "uuid": uuid.uuid4(),
                "name": name,
                "level": level,
                "default_likelihood": likelihood,
                "default_impact": impact,
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("risks", "0002_saved_scenario"),
    ]

    # Reversing leaves the rows: risks point at them (PROTECT), and removing a catalog is never wanted.
    operations = [migrations.RunPython(create_catalog, migrations.RunPython.noop)]

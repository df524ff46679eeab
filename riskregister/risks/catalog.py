"""The failure-mode catalog of DESIGN.md: the ways a dependency on an AI model can fail.

Plain data, read by `services.failure_modes_ensure_catalog` (which restores it after a flush); the
data migration 0003_failure_mode_catalog holds a frozen copy that puts it in every database (a test
holds the two to each other). `proposed` says which
dependencies get the risk when they are created:

- "always": every dependency;
- "via_distributor": a dependency that reaches the model through a distributor other than its provider;
- "conflict_of_interest": the distributor invests in or owns the provider (a cloud that both resells
  and funds the model's maker, and whose own red-teaming may trigger a ban);
- "on_request": in the catalog for teams and reviewers to add, never proposed on its own.
"""

ALWAYS = "always"
VIA_DISTRIBUTOR = "via_distributor"
CONFLICT_OF_INTEREST = "conflict_of_interest"
ON_REQUEST = "on_request"

CATALOG = [
    {
        "slug": "regulatory-shutdown",
        "name": "Regulatory shutdown",
        "level": "provider",
        "default_likelihood": 2,
        "default_impact": 5,
        "proposed": ALWAYS,
        "description": "A government ban or export control pulls the provider's models everywhere at once; "
        "every distributor goes dark while its own status page stays green.",
    },
    {
        "slug": "deprecation",
        "name": "Deprecation or retirement",
        "level": "model",
        "default_likelihood": 4,
        "default_impact": 3,
        "proposed": ALWAYS,
        "description": "The model is deprecated and then retired on a date set by the provider or distributor.",
    },
    {
        "slug": "provider-outage",
        "name": "Provider outage",
        "level": "provider",
        "default_likelihood": 3,
        "default_impact": 3,
        "proposed": ALWAYS,
        "description": "The provider's service is down or degraded.",
    },
    {
        "slug": "distributor-outage",
        "name": "Distributor outage",
        "level": "distributor",
        "default_likelihood": 3,
        "default_impact": 3,
        "proposed": VIA_DISTRIBUTOR,
        "description": "The reseller's service (a cloud region, a marketplace) is down while the provider's is not.",
    },
    {
        "slug": "price-or-quota-change",
        "name": "Price or quota change",
        "level": "offering",
        "default_likelihood": 3,
        "default_impact": 2,
        "proposed": ALWAYS,
        "description": "Prices rise or rate limits and quotas shrink.",
    },
    {
        "slug": "policy-change",
        "name": "Usage-policy change",
        "level": "provider",
        "default_likelihood": 3,
        "default_impact": 2,
        "proposed": ALWAYS,
        "description": "Terms or the usage policy change so that the use is no longer allowed or needs new controls.",
    },
    {
        "slug": "security-incident",
        "name": "Security incident",
        "level": "model",
        "default_likelihood": 2,
        "default_impact": 4,
        "proposed": ALWAYS,
        "description": "A published jailbreak, a data leak or a compromise of the provider or distributor.",
    },
    {
        "slug": "vendor-conflict-of-interest",
        "name": "Vendor conflict of interest",
        "level": "distributor",
        "default_likelihood": 2,
        "default_impact": 4,
        "proposed": CONFLICT_OF_INTEREST,
        "description": "The distributor invests in or owns the provider: its interests, and its own red-teaming, "
        "can decide the fate of the model it resells.",
    },
    {
        "slug": "acquisition-or-insolvency",
        "name": "Acquisition or insolvency",
        "level": "provider",
        "default_likelihood": 1,
        "default_impact": 5,
        "proposed": ON_REQUEST,
        "description": "The provider is bought, merged or goes out of business.",
    },
    {
        "slug": "behaviour-drift",
        "name": "Silent behaviour change",
        "level": "model",
        "default_likelihood": 3,
        "default_impact": 2,
        "proposed": ON_REQUEST,
        "description": "The model behind the same id changes its answers without notice.",
    },
]

CATALOG_SLUGS = [entry["slug"] for entry in CATALOG]

"""The scanner's CatalogIndex from the register: every offering with its ids, every model with its names."""

from __future__ import annotations

from riskregister.scan.index import CatalogIndex, Route
from vendors.models import AIModel, Offering, Vendor


def catalog_index() -> CatalogIndex:
    """Three queries, whatever the size of the catalog. Retired routes are kept: code that still
    names one is exactly what a team needs to know about."""
    vendors = {pk: (slug, name) for pk, slug, name in Vendor.objects.values_list("id", "slug", "name")}
    models = {}
    for pk, slug, name, aliases, provider_id in AIModel.objects.values_list("id", "slug", "name", "aliases", "provider_id"):
        models[pk] = (slug, name, [str(alias) for alias in (aliases or [])], vendors[provider_id][0])
    routes = []
    for pk, model_id, distributor_id, model_route_id, catalog_ids in Offering.objects.order_by("id").values_list(
        "id", "model_id", "distributor_id", "distributor_model_id", "catalog_ids"
    ):
        slug, name, _, provider = models[model_id]
        distributor, distributor_name = vendors[distributor_id]
        route = Route(pk, slug, name, provider, distributor, model_route_id, distributor_name)
        routes.append((route, [str(value) for value in (catalog_ids or [])]))
    return CatalogIndex.build(routes=routes, models=[(slug, [name, *aliases]) for slug, name, aliases, _ in models.values()])

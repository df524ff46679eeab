"""The supply chain as a picture: vendors in columns by role (providers, distributors, investors and
owners), laid out by networkx's multipartite layout, ordered within a column by the barycentre of
their neighbours to reduce crossings. Only positions are computed here; the template draws SVG."""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from vendors.models import VendorRelationship

COLUMNS = ("provider", "distributor", "investor")
COLUMN_TITLES = {"provider": "providers", "distributor": "distributors", "investor": "investors and owners"}
ROW = 40
COLUMN_WIDTH = 260
LEFT = 220
TOP = 40
EDGE_KINDS = (VendorRelationship.Kind.DISTRIBUTES, VendorRelationship.Kind.INVESTS_IN, VendorRelationship.Kind.OWNS)


def role(vendor) -> str:
    if vendor.provides_models:
        return "provider"
    if vendor.distributes_models:
        return "distributor"
    return "investor"


def supply_graph(vendors: list, edges: list[tuple[int, int, str]], dependency_counts: dict[int, int]) -> dict:
    """Nodes and edges with SVG coordinates. `edges` are (source id, target id, kind)."""
    by_id = {vendor.pk: vendor for vendor in vendors}
    edges = [(source, target, kind) for source, target, kind in edges if source in by_id and target in by_id and source != target]
    kinds_between = defaultdict(set)
    for source, target, kind in edges:
        kinds_between[(source, target)].add(kind)
    # A conflict of interest: the same company distributes a provider and invests in or owns it.
    conflicts = {pair for pair, kinds in kinds_between.items()
                 if VendorRelationship.Kind.DISTRIBUTES in kinds and kinds & {VendorRelationship.Kind.INVESTS_IN, VendorRelationship.Kind.OWNS}}
    neighbours = defaultdict(set)
    for source, target, _ in edges:
        neighbours[source].add(target)
        neighbours[target].add(source)

    columns: dict[str, list] = {name: [] for name in COLUMNS}
    for vendor in vendors:
        columns[role(vendor)].append(vendor)
    order: dict[int, float] = {}
    columns["provider"].sort(key=lambda vendor: (-dependency_counts.get(vendor.pk, 0), vendor.name))
    for index, vendor in enumerate(columns["provider"]):
        order[vendor.pk] = index
    for name in ("distributor", "investor"):
        def barycentre(vendor):
            placed = [order[other] for other in neighbours[vendor.pk] if other in order]
            return (sum(placed) / len(placed) if placed else float("inf"), vendor.name)
        columns[name].sort(key=barycentre)
        for index, vendor in enumerate(columns[name]):
            order[vendor.pk] = index

    graph = nx.DiGraph()
    for layer, name in enumerate(COLUMNS):
        for vendor in columns[name]:
            graph.add_node(vendor.pk, layer=layer)
    for source, target, kind in edges:
        graph.add_edge(source, target, kind=kind)
    tallest = max((len(column) for column in columns.values()), default=1) or 1
    height = TOP + 20 + tallest * ROW + 20
    # Layers as ordered lists: given the attribute name instead, networkx groups them into sets and
    # the order that reduces crossings is lost.
    layers = {layer: [vendor.pk for vendor in columns[name]] for layer, name in enumerate(COLUMNS) if columns[name]}
    positions = nx.multipartite_layout(graph, subset_key=layers, align="vertical", scale=1) if graph.number_of_nodes() else {}
    # The layout spreads each column over [-1, 1] around the centre; map it onto the picture.
    ys = [float(y) for _, y in positions.values()]
    span = (max(ys) - min(ys)) if ys and max(ys) != min(ys) else 1.0
    nodes = {}
    for vendor_id, (x, y) in positions.items():
        vendor = by_id[vendor_id]
        column = COLUMNS.index(role(vendor))
        nodes[vendor_id] = {
            "vendor": vendor,
            "x": LEFT + column * COLUMN_WIDTH,
            # The first of a column (the most used) on top.
            "y": round(TOP + 20 + (float(y) - min(ys)) / span * (tallest - 1) * ROW) if len(ys) > 1 else TOP + 20,
            "dependencies": dependency_counts.get(vendor_id, 0),
            "conflicted": any(vendor_id in pair for pair in conflicts),
        }
        nodes[vendor_id]["radius"] = 6 + min(12, nodes[vendor_id]["dependencies"])
        # Providers are labelled on their left, so that the edges leaving them to the right stay clear.
        nodes[vendor_id]["label_left"] = column == 0
    drawn = []
    for source, target, kind in edges:
        drawn.append({
            "kind": kind, "conflict": (source, target) in conflicts,
            "x1": nodes[source]["x"], "y1": nodes[source]["y"], "x2": nodes[target]["x"], "y2": nodes[target]["y"],
            "label": f"{by_id[source].name} {kind.replace('_', ' ')} {by_id[target].name}",
        })
    return {
        "nodes": list(nodes.values()),
        "edges": drawn,
        "columns": [{"title": COLUMN_TITLES[name], "x": LEFT + index * COLUMN_WIDTH} for index, name in enumerate(COLUMNS)],
        "width": LEFT + (len(COLUMNS) - 1) * COLUMN_WIDTH + 200,
        "height": height,
        "conflicts": [(by_id[source], by_id[target]) for source, target in sorted(conflicts)],
    }

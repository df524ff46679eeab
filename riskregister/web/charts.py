"""Geometry of the pictures drawn on the server (heat map, bar charts): positions and sizes only.

The figures come from the rollup; this module only places them, so the templates draw SVG without
inline styles (colours are classes of the stylesheet) and every picture has a text alternative.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from riskregister.risks import scoring

CELL = 64
HEAT_LEFT = 120
HEAT_TOP = 8
BAR_HEIGHT = 22
BAR_GAP = 10
BAR_LABEL = 130
BAR_WIDTH = 170
# Filters of the register that a bar of each grouping links to.
BAR_FILTER = {"provider": "provider", "distributor": "distributor", "team": "team"}


def register_url(**filters) -> str:
    return reverse("web:register") + "?" + urlencode({name: value for name, value in filters.items() if value not in (None, "")})


def heat_map(cells: list[dict], *, kind: str) -> dict:
    """The 5 x 5 matrix (cells from rollup.heat_cells, top row the most likely), each cell linking to
    the register filtered to it."""
    placed = []
    for cell in cells:
        row = scoring.MAX_SCORE - cell["likelihood"]
        column = cell["impact"] - 1
        placed.append({
            **cell,
            "x": HEAT_LEFT + column * CELL, "y": HEAT_TOP + row * CELL, "size": CELL - 4,
            "cx": HEAT_LEFT + column * CELL + (CELL - 4) // 2, "cy": HEAT_TOP + row * CELL + (CELL - 4) // 2 + 6,
            "href": register_url(**{f"{kind}_likelihood": cell["likelihood"], f"{kind}_impact": cell["impact"]}),
            "label": f"likelihood {scoring.likelihood_label(cell['likelihood'])}, impact {scoring.impact_label(cell['impact'])}: "
                     f"{cell['count']} risks ({cell['band']})",
        })
    rows = [{"y": HEAT_TOP + index * CELL + CELL // 2 + 4, "label": scoring.likelihood_label(value)}
            for index, value in enumerate(range(scoring.MAX_SCORE, 0, -1))]
    columns = [{"x": HEAT_LEFT + index * CELL + (CELL - 4) // 2, "label": scoring.impact_label(value)}
               for index, value in enumerate(range(1, scoring.MAX_SCORE + 1))]
    height = HEAT_TOP + scoring.MAX_SCORE * CELL + 44
    return {
        "cells": placed, "rows": rows, "columns": columns, "kind": kind,
        "width": HEAT_LEFT + scoring.MAX_SCORE * CELL + 8, "height": height,
        "axis_y": HEAT_TOP + scoring.MAX_SCORE * CELL + 18, "axis_title_y": height - 4,
        "axis_title_x": HEAT_LEFT + scoring.MAX_SCORE * CELL // 2,
        "total": sum(cell["count"] for cell in cells),
    }


def bar_chart(rows: list[dict], *, title: str, by: str = "", value: str = "exposure", limit: int = 8) -> dict:
    """Horizontal bars of the largest rows; the rest is summed into one "others" line of text."""
    shown = rows[:limit]
    top = max((row[value] for row in shown), default=0) or 1
    by = by or title.rsplit(" ", 1)[-1]
    bars = []
    for index, row in enumerate(shown):
        filter_name = BAR_FILTER.get(by)
        bars.append({
            "name": row["name"] or "unknown", "value": row[value],
            "y": index * (BAR_HEIGHT + BAR_GAP), "text_y": index * (BAR_HEIGHT + BAR_GAP) + BAR_HEIGHT - 6,
            "width": max(2, round(BAR_WIDTH * row[value] / top)),
            "value_x": BAR_LABEL + max(2, round(BAR_WIDTH * row[value] / top)) + 6,
            "href": register_url(**{filter_name: row["slug"]}) if filter_name and row.get("slug") else "",
        })
    others = rows[limit:]
    return {
        "title": title, "bars": bars, "label_width": BAR_LABEL - 8, "bar_x": BAR_LABEL,
        "width": BAR_LABEL + BAR_WIDTH + 50, "height": max(1, len(bars)) * (BAR_HEIGHT + BAR_GAP),
        "others": {"count": len(others), "value": sum(row[value] for row in others)},
        "total": sum(row[value] for row in rows),
    }

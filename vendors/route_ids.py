"""The region prefix of a route id, as one rule for every reader of ids (the catalog's placement
rules in vendors/catalog/entries.py, the code scan in riskregister/scan/): a Bedrock inference
profile `us.anthropic.claude-…` is the route `anthropic.claude-…` in the region `us`.

Plain Python with no Django, so the scan's matching core stays a library of its own.
"""

from __future__ import annotations

import re

REGION_PREFIX = re.compile(r"^(us-gov|us|eu|apac|au|jp|ca|global|sa|in|uk)\.(?=[a-z0-9-]+\.)")


def split_region(route_id: str) -> tuple[str | None, str]:
    """`us.anthropic.claude-x` -> ("us", "anthropic.claude-x"); an id without a prefix keeps None."""
    match = REGION_PREFIX.match(route_id.lower())
    if not match:
        return None, route_id
    return match.group(1), route_id[match.end():]

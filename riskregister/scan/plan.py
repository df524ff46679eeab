"""From findings to the dependencies a scan proposes, each with how sure it is and why.

A model id found in the code names one or more routes (index.py). The route is chosen by, in turn:
the id itself when it is a route's own id (a Bedrock or Vertex id); a LiteLLM-style prefix
(`bedrock/…`); an SDK used in the same file (or, for a config, .env or notebook file without one,
anywhere in the tree); and last the model's own provider's API. Confidence is a number from 0 to 1
with a word: `high` (0.75 and over), `medium` (0.5 and over), `low`.

SDK use with no model id anywhere in its file is reported, not proposed: a dependency needs a model.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from riskregister.scan.index import Route
from riskregister.scan.matching import Finding

# How many locations a proposal and the report keep (the counts are always complete).
LOCATIONS_KEPT = 20
SDK_FINDINGS_KEPT = 200
CODE_KINDS = (".py", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".go", ".java", ".kt")


def confidence_word(score: float) -> str:
    if score >= 0.75:
        return "high"
    if score >= 0.5:
        return "medium"
    return "low"


@dataclass
class Evidence:
    finding: Finding
    score: float
    reasons: list[str]


@dataclass
class Proposal:
    route: Route
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def score(self) -> float:
        return max(item.score for item in self.evidence)

    @property
    def confidence(self) -> str:
        return confidence_word(self.score)

    def as_json(self) -> dict:
        best = sorted(self.evidence, key=lambda item: (-item.score, item.finding.path, item.finding.line))
        return {
            "offering": self.route.offering_id,
            "label": self.route.label,
            "distributor_model_id": self.route.distributor_model_id,
            "confidence": self.confidence,
            "score": round(self.score, 2),
            "why": best[0].reasons,
            "count": len(self.evidence),
            "findings": [{**item.finding.as_json(), "score": round(item.score, 2)} for item in best[:LOCATIONS_KEPT]],
        }


@dataclass
class Plan:
    proposals: list[Proposal]
    sdk_only: list[Finding]  # SDK use in files where no model id was found

    def as_json(self) -> dict:
        return {
            "proposals": [proposal.as_json() for proposal in self.proposals],
            "sdk_only": [finding.as_json() | {"route": finding.route_hint} for finding in self.sdk_only[:SDK_FINDINGS_KEPT]],
            "sdk_only_count": len(self.sdk_only),
        }


def _choose(finding: Finding, file_routes: dict[str, str], tree_routes: dict[str, str]) -> tuple[Route, float, list[str]]:
    """The route a model finding most likely uses; `file_routes` and `tree_routes` map the routes of
    the SDKs used in the file and in the tree to an SDK's name."""
    match = finding.match
    candidates = list(match.routes)
    score, reasons = 0.4, []
    if match.route_id and len({route.distributor for route in candidates}) == 1:
        score += 0.3
        reasons.append(f"{match.key} is {candidates[0].distributor_name or candidates[0].distributor}'s own id")
    hints = [finding.route_hint] if finding.route_hint else []
    context = "file"
    if not hints:
        hints = sorted(file_routes)
    sdk_names = file_routes
    if not hints and not finding.path.lower().endswith(CODE_KINDS):
        hints, context, sdk_names = sorted(tree_routes), "tree", tree_routes
    by_hint = [route for route in candidates if route.distributor in hints]
    if by_hint:
        candidates = by_hint
        if finding.route_hint:
            score += 0.2
            reasons.append(f"the id's prefix names {finding.route_hint}")
        else:
            score += 0.25 if context == "file" else 0.1
            sdk = sdk_names.get(candidates[0].distributor, candidates[0].distributor)
            reasons.append(f"{sdk} is used in the {'same file' if context == 'file' else 'tree'}")
    elif len(candidates) > 1:
        own = [route for route in candidates if route.distributor == route.provider]
        if own:
            candidates = own
            reasons.append("no SDK says the route: the provider's own API is assumed")
    if finding.how == "model-field":
        score += 0.1
        reasons.append("the line names a model")
    candidates.sort(key=lambda route: (route.distributor != route.provider, route.distributor, route.offering_id))
    if len({route.offering_id for route in candidates}) > 1:
        score -= 0.1
        reasons.append("also offered as " + ", ".join(route.label for route in candidates[1:4]))
    return candidates[0], max(0.1, min(1.0, score)), reasons


def build_plan(findings: list[Finding]) -> Plan:
    routes_of_file: dict[str, dict[str, str]] = defaultdict(dict)
    tree_routes: dict[str, str] = {}
    models_in_file: set[str] = set()
    for finding in findings:
        if finding.kind == "sdk" and finding.route_hint:
            routes_of_file[finding.path].setdefault(finding.route_hint, finding.value)
            tree_routes.setdefault(finding.route_hint, finding.value)
        elif finding.kind == "model":
            models_in_file.add(finding.path)
    proposals: dict[int, Proposal] = {}
    for finding in findings:
        if finding.kind != "model":
            continue
        route, score, reasons = _choose(finding, routes_of_file.get(finding.path, {}), tree_routes)
        proposal = proposals.setdefault(route.offering_id, Proposal(route))
        proposal.evidence.append(Evidence(finding, score, reasons))
    ordered = sorted(proposals.values(), key=lambda proposal: (-proposal.score, proposal.route.label))
    sdk_only = [finding for finding in findings if finding.kind == "sdk" and finding.path not in models_in_file]
    return Plan(ordered, sdk_only)

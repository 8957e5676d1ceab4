"""The one list of metric definitions: name, meaning, formula, direction and reference, used by the app, CLI, exports and README."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["lower", "higher", "none"]


@dataclass(frozen=True)
class MetricDefinition:
    """What a metric means to a planner and how it is computed."""

    key: str
    title: str
    meaning: str
    formula: str
    better: Direction
    fmt: str
    reference: str = ""

    def format(self, value: float | int | bool | None) -> str:
        """Format a value of this metric for people (percentages, thousands separators)."""
        if value is None:
            return "—"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if "d}" in self.fmt:
            value = int(round(value))
        return self.fmt.format(value)

    def format_delta(self, delta: float | None) -> str:
        """Format a change in this metric: percentage points for shares, a signed count or number otherwise."""
        if delta is None or self.better == "none" or self.key == "contiguous":
            return "—"
        if "%" in self.fmt:
            return f"{delta * 100:+.1f} pts"
        if "d}" in self.fmt:
            return f"{int(round(delta)):+d}"
        if ",.0f" in self.fmt:
            return f"{delta:+,.0f}"
        return f"{delta:+.3f}"


METRICS: tuple[MetricDefinition, ...] = (
    MetricDefinition(
        "max_abs_deviation", "Largest population deviation",
        "How far the most over- or under-sized locality is from an equal share of residents.",
        "max over localities of |P_j − P/k| / (P/k), where P_j is the locality's residents and P the total",
        "lower", "{:.2%}",
        "Standard population-equality measure in districting (e.g. GerryChain's within_percent_of_ideal_population).",
    ),
    MetricDefinition(
        "population_range", "Population range",
        "The gap between the largest and smallest locality, as a share of an equal share.",
        "(max_j P_j − min_j P_j) / (P/k)", "lower", "{:.2%}",
        "Total deviation (range), as used in US redistricting case law.",
    ),
    MetricDefinition(
        "contiguous", "Every locality in one piece",
        "Whether each locality's wards form one connected area (wards joined along a shared boundary).",
        "each locality's wards induce a connected subgraph of the rook (or queen) adjacency graph",
        "higher", "{}",
        "Contiguity constraint as in GerryChain (gerrychain.constraints.contiguous).",
    ),
    MetricDefinition(
        "polsby_popper_mean", "Compactness (Polsby–Popper, mean)",
        "How close the localities are to circles on average: 1 for a circle, near 0 for long thin shapes.",
        "mean over localities of 4πA_j / L_j², with area A_j and perimeter L_j in EPSG:27700 metres",
        "higher", "{:.3f}",
        "Polsby, D. D. & Popper, R. D. (1991), Yale Law & Policy Review 9(2).",
    ),
    MetricDefinition(
        "polsby_popper_min", "Compactness (Polsby–Popper, least compact)",
        "The Polsby–Popper score of the least compact locality.", "min over localities of 4πA_j / L_j²",
        "higher", "{:.3f}", "Polsby & Popper (1991).",
    ),
    MetricDefinition(
        "reock_mean", "Compactness (Reock, mean)",
        "How much of the smallest circle around each locality it fills.",
        "mean over localities of A_j / area of the minimum bounding circle of locality j",
        "higher", "{:.3f}", "Reock, E. C. (1961), Midwest Journal of Political Science 5(1).",
    ),
    MetricDefinition(
        "convex_hull_mean", "Compactness (convex hull, mean)",
        "How much of its convex hull (the shape of a rubber band around it) each locality fills.",
        "mean over localities of A_j / area of the convex hull of locality j", "higher", "{:.3f}",
        "Niemi, R. G. et al. (1990), Journal of Politics 52(4).",
    ),
    MetricDefinition(
        "cut_edges", "Cut edges",
        "Pairs of neighbouring wards placed in different localities: fewer means simpler boundaries.",
        "number of adjacency-graph edges whose two wards are in different localities", "lower", "{:d}",
        "DeFord, Duchin & Solomon (2021), Harvard Data Science Review 3(1).",
    ),
    MetricDefinition(
        "pcn_nesting", "PCN nesting",
        "The share of residents whose PCN's largest part lies in their locality: 100% when no PCN is split.",
        "Σ over PCNs g of max_j R_gj / P, with R_gj the residents of PCN g living in locality j",
        "higher", "{:.1%}",
        "Population-weighted nesting (cf. the 'split' counts of county-splitting measures).",
    ),
    MetricDefinition(
        "pcns_split", "PCNs split",
        "PCNs with residents in more than one locality (under 99% in their main locality; shares under 1% "
        "are noise from the approximate PCN areas).",
        "number of PCNs g with max_j R_gj / R_g < 0.99", "lower", "{:d}", "",
    ),
    MetricDefinition(
        "pcns_split_90", "PCNs split badly",
        "PCNs with less than 90% of their residents in their main locality.",
        "number of PCNs g with max_j R_gj / R_g < 0.90", "lower", "{:d}", "",
    ),
    MetricDefinition(
        "retained_share", "Residents kept in their locality",
        "The share of residents who stay with their current locality, after matching each new locality to "
        "the old one it overlaps most (each old locality used at most once).",
        "max over one-to-one matchings m of Σ_j S_j,m(j) / P (Hungarian algorithm), S = shared residents",
        "higher", "{:.1%}", "Kuhn, H. W. (1955), Naval Research Logistics Quarterly 2 (Hungarian method).",
    ),
    MetricDefinition(
        "wards_moved", "Wards that move",
        "Wards whose new locality is not the match of their current one.",
        "count of wards i with m(new_i) ≠ old_i", "lower", "{:d}", "",
    ),
    MetricDefinition(
        "population_moved", "Residents who move",
        "Residents of the wards that move.", "P − Σ_j S_j,m(j)", "lower", "{:,.0f}", "",
    ),
)

BY_KEY = {m.key: m for m in METRICS}

PCN_SPLIT_SHARE = 0.99
"""A PCN is split when less than this share of its residents is in its main locality."""

PCN_BADLY_SPLIT_SHARE = 0.90
"""A PCN is badly split when less than this share of its residents is in its main locality."""


def metric(key: str) -> MetricDefinition:
    """The definition of one metric by key."""
    return BY_KEY[key]


def markdown_table() -> str:
    """All metric definitions as a Markdown table (the README's metrics section is generated from this)."""
    rows = ["| metric | meaning | formula | better | reference |", "|---|---|---|---|---|"]
    for m in METRICS:
        rows.append(f"| {m.title} (`{m.key}`) | {m.meaning} | {m.formula} | {m.better} | {m.reference} |")
    return "\n".join(rows)

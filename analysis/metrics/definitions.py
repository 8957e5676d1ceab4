"""The metric registry: each metric declared once — key, title, meaning, formula, reference, caveat, direction, format,
the objective it measures, its percentile phrase, whether it is scored in batch (analysis.metrics.scoring.ScoreTable, by
the compiled kernel checked against evaluate()) and where it is shown. Evaluation.headline(), the ScoreTable's
percentiles and objectives, the CLI columns, the app's figures and tables, the PNG panel and the README table are
all read from here.

Views (``shown``) name where a metric appears and in which position: ``key_figures`` (the app's headline figures),
``map_png`` (beside the PNG map), ``options`` (the app's table of proposed options), ``cli_table`` (`localign
propose`'s ranked table) and ``director`` (the measures a board sees first, analysis.metrics.audience).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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
    caveat: str = ""
    """What the planner must know before trusting the figure (estimate, perturbed source, assumption)."""
    scored: bool = False
    """Computed for many plans at once (a ScoreTable column), so percentiles among all plans exist."""
    phrase: str = ""
    """How a better value reads in a percentile sentence ('more balanced than 97% of plans')."""
    objective: str = ""
    """The planner's objective this metric measures (a Weights field), if any."""
    shown: Mapping[str, int] = field(default_factory=dict)
    """View name -> position in that view (see the module docstring)."""
    short: str = ""
    """A short label for chart axes and legends."""
    needs: str = ""
    """The objective whose data the metric needs ('nesting': PCN areas, 'continuity': current localities), if any."""
    yes_no: bool = False
    """A yes/no measure (yes is better): a change reads better or worse, never as a number; CSVs hold 1 or 0."""
    counts_pcns: bool = False
    """A count of PCNs, shown beside the study area's number of PCNs ('2 of 6')."""

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
        if delta is None or self.better == "none" or self.yes_no:
            return "—"
        if "%" in self.fmt:
            return f"{delta * 100:+.1f} pts"
        if "d}" in self.fmt:
            return f"{int(round(delta)):+d}"
        if ",.0f" in self.fmt:
            return f"{delta:+,.0f}"
        return f"{delta:+.3f}"


def with_true_minus(text: str) -> str:
    """A formatted figure as board papers print it: negative signs as the true minus sign ('−6.2%'), not a hyphen."""
    return text.replace("-", "−")


POLSBY_POPPER_REF = ("Polsby, D. D. & Popper, R. D. (1991) 'The third criterion: compactness as a procedural "
                     "safeguard against partisan gerrymandering', Yale Law & Policy Review 9(2), 301–353.")
HUNGARIAN_REF = ("Kuhn, H. W. (1955) 'The Hungarian method for the assignment problem', Naval Research Logistics "
                 "Quarterly 2, 83–97; computed with SciPy's linear_sum_assignment.")

METRICS: tuple[MetricDefinition, ...] = (
    MetricDefinition(
        "max_abs_deviation", "Largest population deviation",
        "How far the most over- or under-sized locality is from an equal share of residents. When balance is "
        "judged on several measures (e.g. residents and children 0–15), the largest deviation over all of them.",
        "max_j |P_j − P/k| / (P/k), with P_j the residents of locality j, P all residents and k the number of "
        "localities; with measures m: max_m max_j |X_mj − X_m/k| / (X_m/k)",
        "lower", "{:.2%}",
        "The population-equality test of districting, e.g. UK constituencies must lie within 5% of the electoral "
        "quota (Parliamentary Constituencies Act 1986, Sch. 2 r. 2); GerryChain's within_percent_of_ideal_population.",
        short="Largest deviation",
        scored=True, phrase="more balanced", objective="balance",
        shown={"director": 1, "key_figures": 1, "map_png": 1, "options": 1, "cli_table": 1},
    ),
    MetricDefinition(
        "population_range", "Population range",
        "The gap between the largest and the smallest locality, as a share of an equal share.",
        "(max_j P_j − min_j P_j) / (P/k)", "lower", "{:.2%}",
        "The 'overall range' (maximum population deviation) of US redistricting case law, e.g. Brown v. Thomson, "
        "462 U.S. 835 (1983).",
        scored=True, phrase="more balanced (by range)", shown={"map_png": 2},
    ),
    MetricDefinition(
        "contiguous", "Every locality in one piece",
        "Whether each locality's wards form one connected area (wards joined along a shared boundary, or also at "
        "a corner with queen adjacency).",
        "for every j, the wards of locality j induce a connected subgraph of the rook (or queen) ward graph",
        "higher", "{}",
        "Contiguity as in GerryChain (gerrychain.constraints.contiguous); rook and queen adjacency as in "
        "PySAL/libpysal.",
        yes_no=True, shown={"director": 2, "key_figures": 2, "map_png": 3},
    ),
    MetricDefinition(
        "polsby_popper_mean", "Compactness (Polsby–Popper, mean)",
        "How close the localities are to circles on average: 1 for a circle, π/4 ≈ 0.785 for a square, near 0 "
        "for long thin or ragged shapes.",
        "mean_j 4πA_j / L_j², with area A_j and perimeter L_j in EPSG:27700 metres",
        "higher", "{:.3f}", POLSBY_POPPER_REF,
        short="Compactness",
        scored=True, phrase="more compact", objective="compactness",
        shown={"key_figures": 3, "map_png": 4, "options": 3, "cli_table": 4},
    ),
    MetricDefinition(
        "polsby_popper_min", "Compactness (Polsby–Popper, least compact)",
        "The Polsby–Popper score of the least compact locality.", "min_j 4πA_j / L_j²",
        "higher", "{:.3f}", POLSBY_POPPER_REF,
        scored=True, phrase="more compact (least compact locality)",
    ),
    MetricDefinition(
        "reock_mean", "Compactness (Reock, mean)",
        "How much of the smallest circle drawn around each locality it fills: 1 for a circle, 2/π ≈ 0.637 for a "
        "square.",
        "mean_j A_j / (π r_j²), with r_j the radius of the smallest circle enclosing locality j",
        "higher", "{:.3f}",
        "Reock, E. C. (1961) 'A note: measuring compactness as a requirement of legislative apportionment', "
        "Midwest Journal of Political Science 5(1), 70–74.",
    ),
    MetricDefinition(
        "convex_hull_mean", "Compactness (convex hull, mean)",
        "How much of its convex hull (the shape of a rubber band stretched around it) each locality fills: 1 "
        "for a shape with no inlets.",
        "mean_j A_j / area(convex hull of locality j)", "higher", "{:.3f}",
        "Niemi, R. G., Grofman, B., Carlucci, C. & Hofeller, T. (1990) 'Measuring compactness and the role of a "
        "compactness standard in a test for partisan and racial gerrymandering', Journal of Politics 52(4), "
        "1155–1181.",
    ),
    MetricDefinition(
        "cut_edges", "Cut edges",
        "Pairs of neighbouring wards placed in different localities: fewer means shorter, simpler boundaries.",
        "number of edges {a, b} of the ward graph with locality(a) ≠ locality(b)", "lower", "{:d}",
        "DeFord, D., Duchin, M. & Solomon, J. (2021) 'Recombination: a family of Markov chains for "
        "redistricting', Harvard Data Science Review 3(1).",
        scored=True, phrase="simpler boundaries",
    ),
    MetricDefinition(
        "pcn_nesting", "PCN nesting",
        "The share of residents living in the locality that holds most of their PCN's residents: 100% when every "
        "PCN lies inside one locality.",
        "Σ_g max_j R_gj / Σ_g Σ_j R_gj, with R_gj the registered patients (or, on the area basis, residents) of "
        "PCN g living in locality j",
        "higher", "{:.1%}",
        "A population-weighted form of the split counts used for districts nesting in counties (cf. GerryChain's "
        "county_splits updater).",
        short="PCN nesting",
        needs="nesting",
        scored=True, phrase="better PCN nesting", objective="nesting",
        shown={"director": 3, "key_figures": 5, "map_png": 5, "options": 2, "cli_table": 2},
    ),
    MetricDefinition(
        "pcns_split", "PCNs split",
        "PCNs with residents in more than one locality. Less than 1% elsewhere is not counted: the approximate "
        "PCN areas put a few residents across a boundary that no practice list would.",
        "number of PCNs g with max_j R_gj / R_g < 0.99, with R_g the residents of PCN g", "lower", "{:d}",
        "As for county splits (cf. GerryChain's county_splits updater).",
        needs="nesting",
        counts_pcns=True, scored=True, phrase="fewer PCNs split",
        shown={"director": 4, "key_figures": 4, "map_png": 6, "options": 5, "cli_table": 3},
    ),
    MetricDefinition(
        "pcns_split_90", "PCNs split badly",
        "PCNs with less than 90% of their residents in their main locality.",
        "number of PCNs g with max_j R_gj / R_g < 0.90", "lower", "{:d}",
        "As for county splits (cf. GerryChain's county_splits updater).",
        needs="nesting",
        counts_pcns=True, scored=True, phrase="fewer PCNs badly split",
    ),
    MetricDefinition(
        "retained_share", "Residents kept in their locality",
        "The share of residents who stay with their current locality, after pairing each new locality with the "
        "current one it shares most residents with (each current locality used at most once).",
        "max over one-to-one matchings m of Σ_j S_j,m(j) / P, with S_jo the residents in new locality j and "
        "current locality o (Hungarian algorithm)",
        "higher", "{:.1%}",
        "'Core retention' in redistricting; " + HUNGARIAN_REF,
        short="Residents kept",
        needs="continuity",
        scored=True, phrase="more continuity", objective="continuity",
        shown={"director": 5, "key_figures": 6, "map_png": 7, "options": 4, "cli_table": 5},
    ),
    MetricDefinition(
        "wards_moved", "Wards that move",
        "Wards whose new locality is not the one paired with their current locality.",
        "number of wards i with m(new_i) ≠ old_i (a ward in an unpaired new locality moves)", "lower", "{:d}",
        HUNGARIAN_REF,
        needs="continuity",
        scored=True, phrase="fewer wards moved",
        shown={"director": 6, "key_figures": 7, "map_png": 8, "options": 6, "cli_table": 6},
    ),
    MetricDefinition(
        "population_moved", "Residents who move",
        "Residents of the wards that move.", "P − Σ_j S_j,m(j)", "lower", "{:,.0f}", HUNGARIAN_REF,
        needs="continuity",
        scored=True, phrase="fewer residents moved", shown={"director": 7, "key_figures": 8, "map_png": 9},
    ),
)
"""Plan-level measures, one number per plan (the keys of Evaluation.headline())."""

LOCALITY_MEASURES: tuple[MetricDefinition, ...] = (
    MetricDefinition(
        "populations", "Residents",
        "Residents of each locality (Census 2021 usual residents, apportioned to wards: an estimate).",
        "P_j = Σ_{i in j} p_i, over the wards i of locality j", "none", "{:,.0f}",
    ),
    MetricDefinition(
        "ideal", "Equal share",
        "The residents each locality would have if all were the same size.", "P / k", "none", "{:,.0f}",
    ),
    MetricDefinition(
        "deviations", "Deviation from an equal share",
        "How much bigger (+) or smaller (−) than an equal share each locality is; the deviations sum to zero.",
        "(P_j − P/k) / (P/k)", "none", "{:+.1%}",
    ),
    MetricDefinition(
        "deviations_by_measure", "Deviation by balance measure",
        "For each measure balance is judged on, how much bigger (+) or smaller (−) than an equal share of that "
        "measure each locality is.",
        "(X_mj − X_m/k) / (X_m/k), with X_mj the total of measure m in locality j", "none", "{:+.1%}",
    ),
    MetricDefinition(
        "max_abs_deviation_by_measure", "Largest deviation by measure",
        "For each balance measure, the largest |deviation| over localities; the plan's balance is the largest of "
        "these, and a bound (--max-deviation) applies to each.",
        "max_j |X_mj − X_m/k| / (X_m/k)", "none", "{:.2%}",
    ),
    MetricDefinition(
        "attribute_shares", "Share of another attribute",
        "For every other numeric column of the study area (the alternative population estimates, residents in "
        "deprived areas), each locality's share of the total, to check a plan under another estimate.",
        "X_j / Σ_j X_j", "none", "{:.1%}",
    ),
    MetricDefinition(
        "polsby_popper", "Polsby–Popper",
        "Compactness of each locality (see the plan mean). The perimeter is the sum of its wards' perimeters "
        "less twice the boundary they share, which equals the dissolved shape's perimeter.",
        "4πA_j / L_j², L_j = Σ_{i in j} L_i − 2 Σ_{a,b in j} shared(a, b)", "higher", "{:.3f}", POLSBY_POPPER_REF,
    ),
    MetricDefinition(
        "reock", "Reock", "Compactness of each locality against its smallest enclosing circle.",
        "A_j / (π r_j²)", "higher", "{:.3f}",
        "Reock (1961); the circle is shapely's minimum_bounding_radius of the locality's convex hull.",
    ),
    MetricDefinition(
        "convex_hull", "Convex-hull ratio", "Compactness of each locality against its convex hull.",
        "A_j / area(hull_j)", "higher", "{:.3f}", "Niemi et al. (1990).",
    ),
    MetricDefinition(
        "pcn_share_in_main_locality", "PCN residents in its main locality",
        "For each PCN, the share of its residents living in the locality that holds most of them.",
        "max_j R_gj / R_g", "higher", "{:.1%}",
    ),
    MetricDefinition(
        "pcn_unassigned", "Patients of practices not in a listed PCN",
        "Registered patients in each locality whose practice is in no PCN of the bundle's list, shown as "
        "'practice not in a listed PCN' and left out of PCN nesting until the planner assigns the practice.",
        "Σ_{i in j} Σ_a w_ai · patients_a of practices with no PCN", "none", "{:,.0f}",
        "NHS Digital registrations, July 2022.",
        "The PCN list dates from about 2020–21 and may be incomplete for 2022.",
    ),
    MetricDefinition(
        "pcn_basis", "PCN basis",
        "What PCN alignment is computed on: where each PCN's registered patients live (when the bundle has GP "
        "registrations), else approximate PCN areas (Voronoi cells around practice sites).",
        "R_gj = Σ_{i in j} Σ_a w_ai · patients of PCN g living in LSOA a; else residents of ward i times the share "
        "of its area in PCN g's area",
        "none", "{}", "", "Approximate areas overstate alignment: PCN catchments overlap heavily in reality.",
    ),
    MetricDefinition(
        "matched_to_current", "Paired current locality",
        "The current locality each new locality continues (none when there are more new localities than "
        "current ones and it is left over).",
        "m = argmax over one-to-one matchings of Σ_j S_j,m(j)", "none", "{}", HUNGARIAN_REF,
    ),
)
"""Values given per locality (or per PCN), documented with the plan-level measures."""

ATTRIBUTE_MEASURES: tuple[MetricDefinition, ...] = (
    MetricDefinition(
        "age_0_15", "Children aged 0–15",
        "Census 2021 usual residents aged 0–15 in each locality, a measure of need for the 0–19 service.",
        "Σ_{i in j} c_i, with c_i the children of ward i: LSOA 2021 counts regrouped to LSOA 2011 and shared "
        "between wards with the GLA 2021 weights, rounded by largest remainder", "none", "{:,.0f}",
        "ONS Census 2021 custom dataset (usual residents by six age bands, LSOA 2021).",
        "An estimate from a perturbed source (the bands sum to 218,878, not 218,865) that has no 0–19 band: "
        "0–15 is the nearest measure for the 0–19 service.",
    ),
    MetricDefinition(
        "age_65_plus", "Residents aged 65 and over",
        "Census 2021 usual residents aged 65 and over in each locality.",
        "Σ_{i in j} o_i, apportioned as for children 0–15", "none", "{:,.0f}",
        "ONS Census 2021 custom dataset (as above).",
        "An estimate from a perturbed source (as above).",
    ),
    MetricDefinition(
        "patients_registered", "Registered patients",
        "Patients registered at any GP practice who live in each locality.",
        "Σ_{i in j} r_i, with r_i = Σ_a w_ai · patients_a over the LSOA 2011 a (w: GLA 2021 weights)",
        "none", "{:,.0f}", "NHS Digital, Patients Registered at a GP Practice, July 2022 (by LSOA 2011).",
        "Practice lists run about 15 % above residents (list inflation: people who moved away or died stay on "
        "lists for a while); use for shares, not as a population.",
    ),
    MetricDefinition(
        "residents_most_deprived_20pct", "Residents in the most deprived 20 %",
        "Residents of LSOAs in England's most deprived 20 % (IMD 2019 deciles 1–2) in each locality.",
        "Σ_{i in j} Σ_a w_ai · residents_a · [decile_a ≤ 2]", "none", "{:,.0f}",
        "MHCLG English Indices of Deprivation 2019.",
        "An estimate: whole LSOAs count as deprived or not, apportioned to wards.",
    ),
)
"""Need measures per ward (bundle attributes): balance can be judged on any of them (--balance-on); each locality's
totals are in the evaluation's ``attribute_totals``."""

BY_KEY = {m.key: m for m in (*METRICS, *LOCALITY_MEASURES, *ATTRIBUTE_MEASURES)}

PCN_SPLIT_SHARE = 0.99
"""A PCN is split when less than this share of its residents is in its main locality."""

PCN_BADLY_SPLIT_SHARE = 0.90
"""A PCN is badly split when less than this share of its residents is in its main locality."""


def metric(key: str) -> MetricDefinition:
    """The definition of one metric by key."""
    return BY_KEY[key]


HEADLINE: tuple[str, ...] = tuple(m.key for m in METRICS)
"""Every plan-level metric, in registry order (the keys of Evaluation.headline())."""

SCORED: tuple[str, ...] = tuple(m.key for m in METRICS if m.scored)
"""The metrics scored for many plans at once (ScoreTable columns with percentiles), in registry order."""

PHRASES: dict[str, str] = {m.key: m.phrase for m in METRICS if m.phrase}
"""How a better value of each ranked metric reads in a percentile sentence."""


def shown_in(view: str) -> tuple[str, ...]:
    """The keys of the metrics shown in a view, in the view's order."""
    return tuple(m.key for m in sorted((m for m in METRICS if view in m.shown), key=lambda m: m.shown[view]))


def objective_metric(objective: str) -> MetricDefinition:
    """The metric measuring one of the planner's objectives (balance, nesting, compactness, continuity)."""
    return next(m for m in METRICS if m.objective == objective)


def markdown_table() -> str:
    """Every metric definition as Markdown: the plan-level measures, then the per-locality values (the README's
    metrics section is generated from this)."""
    def table(definitions: tuple[MetricDefinition, ...], better: bool) -> list[str]:
        head = "| metric | meaning | formula |" + (" better |" if better else "") + " reference |"
        rows = [head, "|---|---|---|" + ("---|" if better else "") + "---|"]
        for m in definitions:
            meaning = f"{m.meaning} *Caveat:* {m.caveat}" if m.caveat else m.meaning
            cells = [f"{m.title} (`{m.key}`)", meaning, f"`{m.formula}`", *([m.better] if better else []),
                     m.reference]
            rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        return rows

    return "\n".join([*table(METRICS, True), "", "Per locality (and per PCN):", "",
                      *table(LOCALITY_MEASURES, False), "",
                      "Need measures per ward (balance on any of them with --balance-on):", "",
                      *table(ATTRIBUTE_MEASURES, False)])

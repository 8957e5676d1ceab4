"""Any council in England: bundles built from the national pack for districts of different kinds load, add up to
their Census 2021 LSOA sums, say plainly when wards changed or units are islands, and can be enumerated and
optimised. Expected figures are read straight from the pack's tables (not through the builder) or are the
checked facts in ../shared/data/national/README.md."""

from __future__ import annotations

import itertools
import json

import networkx as nx
import pandas as pd
import pyarrow.parquet as pq
import pytest

from analysis.cli import main
from analysis.solvers.propose import propose
from geo import load_bundle
from geo import national
from geo import summary
from geo.bundle import DEFAULT_BUNDLE
from geo.errors import LocalignError

LBBD, EAST_HAMPSHIRE, SCILLY, REDDITCH = "E09000002", "E07000085", "E06000053", "E07000236"


def lsoa_table(code: str) -> pd.DataFrame:
    """The district's LSOA rows, read directly from the pack (the independent check on the builder)."""
    frame = pd.read_parquet(national.PACK / "lsoa21_census2021.parquet")
    return frame[frame["lad24_code"] == code]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One bundle per kind of district: a London borough, a county district, a unitary of islands, and a district
    whose wards changed after December 2022."""
    root = tmp_path_factory.mktemp("national")
    results = {code: national.build_bundle(code, root / code) for code in (LBBD, EAST_HAMPSHIRE, SCILLY, REDDITCH)}
    return {code: (result, load_bundle(result.path)) for code, result in results.items()}


def test_there_are_296_districts_and_90_changed_wards():
    table = national.districts()
    assert len(table) == 296 and table["code"].is_unique
    assert set(table["code"].str[:3]) == {"E06", "E07", "E08", "E09"}
    assert int(table["changed_wards"].sum()) == 90
    assert not table[table["code"].str.startswith("E09")]["changed_wards"].any()  # no London borough changed


@pytest.mark.parametrize("text", ["Newham", "newham", "  NEWHAM ", "E09000025", "e09000025", "London Borough of Newham"])
def test_names_and_codes_match_forgivingly(text):
    assert national.resolve_council(text) == ("E09000025", "Newham")


def test_an_ambiguous_name_lists_the_choices():
    with pytest.raises(national.CouncilNotFound) as caught:
        national.resolve_council("Kingston")
    assert {code for code, _ in caught.value.choices} == {"E06000010", "E09000021"}
    assert "Kingston upon Thames (E09000021)" in str(caught.value)


def test_an_unknown_name_suggests_near_matches_and_a_partial_word_is_not_guessed():
    with pytest.raises(LocalignError) as caught:
        national.resolve_council("Newhm")
    assert "did you mean" in str(caught.value) and "Newham (E09000025)" in str(caught.value)
    with pytest.raises(national.CouncilNotFound) as caught:
        national.resolve_council("Hampshire")  # the county is not a district: ask, do not pick East Hampshire
    assert caught.value.choices == [("E07000085", "East Hampshire")]
    assert national.resolve_council("barking") == (LBBD, "Barking and Dagenham")
    with pytest.raises(LocalignError, match="Welsh, Scottish or Northern Irish"):
        national.resolve_council("W06000015")


@pytest.mark.parametrize("code", [LBBD, EAST_HAMPSHIRE, SCILLY, REDDITCH])
def test_residents_and_age_bands_add_up_to_the_lsoa_sums(built, code):
    result, area = built[code]
    lsoas = lsoa_table(code)
    assert result.residents == int(lsoas["usual_residents"].sum()) == int(area.population.sum())
    for band in national.AGE_BANDS:
        assert int(area.attributes[band].sum()) == int(lsoas[band].sum())
    assert all(area.population >= 0)


def test_unit_counts_follow_the_ward_lookup(built):
    for code in (LBBD, EAST_HAMPSHIRE, REDDITCH):  # unchanged: Dec 2022 wards = May 2024 wards; changed: rebuilt
        result, area = built[code]
        assert set(area.ids) == set(lsoa_table(code)["ward24_code"]), code
    assert built[LBBD][1].ids == [f"E050140{n}" for n in range(53, 72)]
    assert built[SCILLY][0].units == 5 and lsoa_table(SCILLY).shape[0] == 1  # five island wards, one LSOA


def test_barking_and_dagenham_matches_the_bundled_adjacency(built):
    facts = summary(built[LBBD][1])
    assert facts["adjacency_edges"] == {"rook": 37, "queen": 41} and facts["islands"] == []
    bundled = load_bundle(DEFAULT_BUNDLE)
    assert set(bundled.graph("rook").edges) | {(b, a) for a, b in bundled.graph("rook").edges} >= \
        set(built[LBBD][1].graph("rook").edges)


def test_changed_wards_are_said_plainly_and_rebuilt_from_lsoas(built):
    result, area = built[REDDITCH]
    assert result.changed_wards and result.unit_kind == "wards2024"
    assert any("changed after December 2022" in w and "--units lsoa" in w for w in result.warnings)
    assert "approximate" in area.manifest.units.title
    assert any("changed after December 2022" in note for note in area.assumption_notes)
    best_fit = lsoa_table(REDDITCH).groupby("ward24_code")["usual_residents"].sum()
    assert area.population.astype(int).to_dict() == best_fit.to_dict()  # whole LSOAs: exact sums


def test_islands_are_named_and_linked(built):
    result, area = built[SCILLY]
    facts = summary(area)
    assert len(facts["islands"]) == 4 and facts["components"] == 1  # five islands, joined into one graph
    assert len(facts["island_links"]) == 4 and all(gap > 0 for _, _, gap in facts["island_links"])
    assert any("St Agnes" in w and "Tresco" in w for w in result.warnings)


def brute_force_count(graph: nx.Graph, k: int) -> int:
    """Connected k-partitions of a small graph by trying every assignment (labels in first-use order)."""
    nodes = list(graph.nodes)
    count = 0
    for labels in itertools.product(range(k), repeat=len(nodes)):
        if labels[0] != 0 or max(labels) != k - 1 or any(
                labels[i] > max(labels[:i]) + 1 for i in range(1, len(labels))):
            continue
        parts = [[n for n, g in zip(nodes, labels) if g == part] for part in range(k)]
        if all(nx.is_connected(graph.subgraph(part)) for part in parts):
            count += 1
    return count


@pytest.mark.parametrize("code, k", [(REDDITCH, 3), (SCILLY, 2)])
def test_enumeration_counts_every_plan_like_brute_force(built, code, k, capsys):
    result, area = built[code]
    assert main(["enumerate", "--bundle", str(result.path), "--k", str(k), "--count"]) == 0
    assert int(capsys.readouterr().out.strip().splitlines()[-1]) == brute_force_count(area.graph("rook"), k)


def test_the_optimiser_proposes_connected_localities(built):
    area = built[EAST_HAMPSHIRE][1]
    found = propose(area, k=3, method="optimiser", budget_s=4, top=3)
    top = found.top()
    assert len(top) >= 1
    graph = area.graph("rook")
    for codes in top.codes:
        groups = pd.Series(area.ids).groupby(list(codes)).agg(list)
        assert len(groups) == 3
        assert all(nx.is_connected(graph.subgraph(units)) for units in groups)


def test_building_one_council_reads_only_its_own_rows(tmp_path, monkeypatch):
    national.districts()  # the district list (codes and names only) is read once per process
    reads = []
    real = pq.read_table

    def counting(source, *args, **kwargs):
        table = real(source, *args, **kwargs)
        reads.append((str(source), table.num_rows))
        return table

    monkeypatch.setattr(pq, "read_table", counting)
    national.build_bundle("Barking and Dagenham", tmp_path / "lbbd")
    pack_reads = [(path, rows) for path, rows in reads if str(national.PACK) in path]
    assert pack_reads
    for path, rows in pack_reads:
        total = pq.ParquetFile(path).metadata.num_rows
        assert rows <= 0.02 * total, (path, rows, total)


def test_a_pcn_list_makes_a_pcn_grouping_from_registrations(tmp_path):
    listing = DEFAULT_BUNDLE / "gp_practices.csv"
    result = national.build_bundle(LBBD, tmp_path / "lbbd", pcn_list=listing)
    area = load_bundle(result.path)
    pcns = set(pd.read_csv(listing)["pcn_name"])
    assert area.pcn is not None and set(area.pcn.labels) <= pcns and len(set(area.pcn.labels)) >= 4
    assert any("PCN" in note and "approximation" in note for note in area.assumption_notes)


def test_cli_builds_then_info_reads_the_bundle_offline(tmp_path, capsys):
    out = tmp_path / "redditch"
    assert main(["bundle", "build", "--council", "redditch", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "changed after December 2022" in said
    assert main(["info", "--bundle", str(out), "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["population_total"] == lsoa_table(REDDITCH)["usual_residents"].sum()
    assert main(["bundle", "build", "--council", "Newhm", "--out", str(tmp_path / "x")]) == 2
    assert "Newham (E09000025)" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_lsoa_units_are_the_census_lsoas(tmp_path):
    result = national.build_bundle(SCILLY, tmp_path / "s", units="lsoa")
    area = load_bundle(result.path)
    lsoas = lsoa_table(SCILLY).set_index("lsoa21_code")["usual_residents"]
    assert area.population.astype(int).to_dict() == lsoas.to_dict()
    assert area.manifest.unit_label == "LSOA"


def test_an_existing_folder_that_is_not_a_bundle_is_left_alone(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(LocalignError, match="not a bundle built by"):
        national.build_bundle(SCILLY, tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
    with pytest.raises(LocalignError, match="not a bundle built by"):  # a hand-made bundle is never replaced
        national.build_bundle(SCILLY, DEFAULT_BUNDLE)
    assert (DEFAULT_BUNDLE / "manifest.toml").is_file()
    first = national.build_bundle(SCILLY, tmp_path / "built")
    again = national.build_bundle(SCILLY, tmp_path / "built", units="lsoa")  # a built bundle is replaced
    assert first.path == again.path and load_bundle(again.path).manifest.unit_label == "LSOA"


def test_the_pack_is_compact_and_its_readme_describes_every_file():
    files = sorted(national.PACK.glob("*.parquet"))
    sizes = {f.name: f.stat().st_size for f in files}
    assert len(files) == 7 and max(sizes.values()) < 5_000_000 and sum(sizes.values()) < 25_000_000
    readme = (national.PACK / "README.md").read_text(encoding="utf-8")
    assert "Open Government Licence" in readme and "Contains OS data" in readme
    for path in files:
        rows = pq.ParquetFile(path).metadata.num_rows
        assert f"| `{path.name}` | {rows:,} |" in readme, path.name

"""Build and load a bundle for every district in England (296) and write a table of what each holds.

    python benchmarks/check_national.py [--units wards|wards2024|lsoa] [--only CODE ...]

For each district: build with geo.national.build_bundle into a temporary folder, load it with geo.load_bundle,
and record units, residents (checked against the sum of the district's Census 2021 LSOAs read straight from the
pack), rook/queen edges, connected pieces before islands are linked, the islands by name, warnings and seconds.
Writes benchmarks/results/national_check.csv and .md; exits 1 when any district fails to build or load, or its
residents differ from its LSOA sum (islands are reported, not failures).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo import load_bundle, summary  # noqa: E402
from geo import national  # noqa: E402
from geo.errors import LocalignError  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def check_one(code: str, name: str, units: str, folder: Path, lsoa_sums: pd.Series) -> dict:
    """Build, load and describe one district; a failure is recorded, not raised."""
    started = time.perf_counter()
    row = {"code": code, "district": name}
    try:
        result = national.build_bundle(code, folder / code, units=units)
        area = load_bundle(result.path)
        facts = summary(area)
        names = area.unit_names
        row.update(
            unit_kind=result.unit_kind, units=facts["units"], residents=int(round(facts["population_total"])),
            lsoa_sum=int(lsoa_sums[code]), rook_edges=facts["adjacency_edges"]["rook"],
            queen_edges=facts["adjacency_edges"]["queen"], components=len(facts["islands"]) + 1,
            islands="; ".join(", ".join(names[u] for u in island) for island in facts["islands"]),
            changed_wards=result.changed_wards, warnings=" | ".join(result.warnings + facts["warnings"]),
            status="ok")
        if row["residents"] != row["lsoa_sum"]:
            row["status"] = "FAIL: residents differ from the LSOA sum"
    except LocalignError as exc:
        row["status"] = f"FAIL: {exc}"
    except Exception as exc:  # noqa: BLE001 - the table must record every failure and carry on
        row["status"] = f"FAIL: {type(exc).__name__}: {exc}"
    row["seconds"] = round(time.perf_counter() - started, 2)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", choices=national.UNIT_CHOICES, default="wards")
    parser.add_argument("--only", nargs="*", default=None, help="district codes to check (default: all 296)")
    args = parser.parse_args(argv)
    table = national.districts()
    if args.only:
        table = table[table["code"].isin(args.only)]
    lsoa = pd.read_parquet(national.PACK / "lsoa21_census2021.parquet", columns=["lad24_code", "usual_residents"])
    lsoa_sums = lsoa.groupby("lad24_code")["usual_residents"].sum()
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="localign-national-") as tmp:
        for i, district in enumerate(table.itertuples(), 1):
            row = check_one(district.code, district.name, args.units, Path(tmp), lsoa_sums)
            rows.append(row)
            print(f"[{i}/{len(table)}] {district.code} {district.name}: {row['status']} "
                  f"({row.get('units', '?')} units, {row['seconds']} s)", flush=True)
    frame = pd.DataFrame(rows)
    for column in ("units", "residents", "lsoa_sum", "rook_edges", "queen_edges", "components"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")  # whole numbers, blank where a district failed
    total = time.perf_counter() - started
    suffix = "" if args.units == "wards" else f"_{args.units}"
    if not args.only:
        RESULTS.mkdir(parents=True, exist_ok=True)
        frame.to_csv(RESULTS / f"national_check{suffix}.csv", index=False)
        (RESULTS / f"national_check{suffix}.md").write_text(_markdown(frame, args.units, total), encoding="utf-8")
    failed = frame[frame["status"] != "ok"]
    print(f"{len(frame) - len(failed)} of {len(frame)} districts built and loaded in {total:.0f} s; "
          f"{len(failed)} failed.")
    return 1 if len(failed) else 0


def _markdown(frame: pd.DataFrame, units: str, seconds: float) -> str:
    ok = frame[frame["status"] == "ok"]
    islands = ok[ok["components"] > 1]
    lines = [
        f"# National check: every district in England built and loaded (`--units {units}`)",
        "",
        "Made by `make check-national` (`python benchmarks/check_national.py`).",
        "",
        f"- {len(ok)} of {len(frame)} districts built and loaded; residents equal the Census 2021 LSOA sum in every "
        f"one that loaded ({int(ok['residents'].sum()):,} residents in all).",
        f"- {int(ok['changed_wards'].sum())} districts changed wards after December 2022 and were built from "
        "rebuilt May 2024 wards.",
        f"- Units per district: {int(ok['units'].min())} to {int(ok['units'].max())} (median "
        f"{int(ok['units'].median())}); {len(islands)} districts have islands (reported and joined to their "
        "nearest unit).",
        f"- Build and load time: median {ok['seconds'].median():.1f} s, longest {ok['seconds'].max():.1f} s; "
        f"{seconds / 60:.1f} minutes in all on a shared 2-core machine.",
        "",
        "| code | district | units | residents | LSOA sum | rook edges | queen edges | components | islands | "
        "warnings | status |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in frame.fillna("").itertuples():
        warnings = str(row.warnings).replace("|", "/")
        lines.append(f"| {row.code} | {row.district} | {row.units} | {row.residents} | {row.lsoa_sum} | "
                     f"{row.rook_edges} | {row.queen_edges} | {row.components} | {row.islands} | {warnings} | "
                     f"{row.status} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())

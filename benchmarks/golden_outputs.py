"""Capture every `localign` output on the bundled data into a folder, so a refactor can be checked byte for byte.

    python benchmarks/golden_outputs.py OUT_DIR            # capture
    python benchmarks/golden_outputs.py OUT_DIR --against REF_DIR   # capture, then list every file that differs

Runs info, evaluate, compare, enumerate, propose (exhaustive, optimiser, ReCom, robust, with requirements, balance
on several measures and a growth scenario) and export in every format on the bundled Barking and Dagenham data. PDF timestamps are pinned with SOURCE_DATE_EPOCH; the
'generated' date in CSV/GeoJSON exports is today's, so compare captures made on the same day.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = "plan_b.csv"
"""A second plan (the exhaustive best of k=4) written by the capture and read back by compare/export."""

SCENARIO = "Barking Riverside build-out (30,000 residents)"
"""A growth scenario of the bundled data (an assumption it lists)."""

COMMANDS: list[tuple[str, list[str]]] = [
    ("info.txt", ["info"]),
    ("info.json", ["info", "--json"]),
    ("evaluate_current.txt", ["evaluate", "--plan", "current"]),
    ("evaluate_current.json", ["evaluate", "--plan", "current", "--json"]),
    ("evaluate_current_queen.json", ["evaluate", "--plan", "current", "--json", "--adjacency", "queen"]),
    ("enumerate_k3.txt", ["enumerate", "--k", "3"]),
    ("enumerate_k4_json.txt", ["enumerate", "--k", "4", "--json"]),
    ("enumerate_k4_dev10.txt", ["enumerate", "--k", "4", "--max-deviation", "0.1"]),
    ("enumerate_k4_count.txt", ["enumerate", "--k", "4", "--count"]),
    ("propose_k4.txt", ["propose", "--k", "4", "--out", "{out}/propose_k4"]),
    ("propose_k4.json", ["propose", "--k", "4", "--json"]),
    ("propose_k4_rules.txt", ["propose", "--k", "4", "--max-deviation", "0.1", "--weights", "balance=2,nesting=1",
                              "--require", "together:E05014053,E05014054", "--require", "apart:E05014055,E05014060",
                              "--require", "max-pcns-split=4", "--top", "5"]),
    ("propose_k3_fixed.txt", ["propose", "--k", "3", "--require", "fixed:E05014053=West", "--top", "3"]),
    ("propose_k4_optimiser.json", ["propose", "--k", "4", "--method", "optimiser", "--seed", "1", "--json",
                                   "--top", "5"]),
    ("propose_k4_recom.json", ["propose", "--k", "4", "--method", "recom", "--seed", "1", "--json", "--top", "5"]),
    ("propose_k5_top3.txt", ["propose", "--k", "5", "--top", "3", "--max-deviation", "0.1"]),
    ("evaluate_balance_on.json", ["evaluate", "--plan", "current", "--json", "--balance-on", "population,age_0_15"]),
    ("evaluate_scenario.txt", ["evaluate", "--plan", "current", "--scenario", SCENARIO]),
    ("enumerate_k4_balance_on.txt", ["enumerate", "--k", "4", "--max-deviation", "0.15", "--balance-on",
                                     "population,age_0_15"]),
    ("propose_k4_balance_on.txt", ["propose", "--k", "4", "--max-deviation", "0.15", "--balance-on",
                                   "population,age_0_15", "--top", "3"]),
    ("propose_k4_optimiser_balance_on.json", ["propose", "--k", "4", "--method", "optimiser", "--seed", "1",
                                              "--json", "--top", "3", "--max-deviation", "0.15", "--balance-on",
                                              "population,age_0_15"]),
    ("propose_k4_robust.txt", ["propose", "--k", "4", "--robust", "--scenario", SCENARIO, "--top", "3"]),
]
"""Output file, then the localign arguments ({out} is the capture folder)."""

AFTER_PLAN: list[tuple[str, list[str]]] = [
    ("compare.txt", ["compare", "current", "{out}/" + PLAN_FILE]),
    ("compare.json", ["compare", "current", "{out}/" + PLAN_FILE, "--json"]),
    ("evaluate_plan_b.json", ["evaluate", "--plan", "{out}/" + PLAN_FILE, "--json"]),
    ("export_geojson.log", ["export", "--plan", "{out}/" + PLAN_FILE, "--format", "geojson",
                            "--out", "{out}/export.geojson"]),
    ("export_wards.log", ["export", "--plan", "current", "--format", "wards-geojson",
                          "--out", "{out}/export_wards.geojson"]),
    ("export_csv.log", ["export", "--plan", "{out}/" + PLAN_FILE, "--format", "csv", "--out", "{out}/export.csv"]),
    ("export_metrics.log", ["export", "--plan", "current", "--plan", "{out}/" + PLAN_FILE, "--format",
                            "metrics-csv", "--out", "{out}/export_metrics.csv"]),
    ("export_png.log", ["export", "--plan", "{out}/" + PLAN_FILE, "--format", "png", "--out", "{out}/export.png"]),
    ("export_pdf.log", ["export", "--plan", "current", "--plan", "{out}/" + PLAN_FILE, "--format", "pdf",
                        "--out", "{out}/export.pdf"]),
    ("export_pdf_titled.log", ["export", "--plan", "{out}/" + PLAN_FILE, "--format", "pdf", "--title",
                               "Board options", "--purpose", "For the June board", "--balance-on",
                               "population,age_0_15", "--out", "{out}/export_titled.pdf"]),
    ("export_png_scenario.log", ["export", "--plan", "{out}/" + PLAN_FILE, "--format", "png", "--scenario",
                                 SCENARIO, "--out", "{out}/export_scenario.png"]),
    ("export_metrics_balance_on.log", ["export", "--plan", "current", "--plan", "{out}/" + PLAN_FILE, "--format",
                                       "metrics-csv", "--balance-on", "population,age_0_15",
                                       "--out", "{out}/export_metrics_balance_on.csv"]),
]


def run(out: Path, name: str, args: list[str]) -> None:
    """Run one localign command, writing stdout (and stderr, exit status) to out/name."""
    env = dict(os.environ, SOURCE_DATE_EPOCH="0", PYTHONHASHSEED="0")
    argv = [sys.executable, "-c", "import sys; from analysis.cli import main; sys.exit(main(sys.argv[1:]))", *(a.replace("{out}", str(out)) for a in args)]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    text = done.stdout.replace(str(out), "<out>")
    errors = done.stderr.replace(str(out), "<out>")
    (out / name).write_text(f"{text}\n--- stderr ---\n{errors}\n--- exit {done.returncode} ---\n", encoding="utf-8")
    print(f"{name}: exit {done.returncode}", flush=True)


def capture(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, args in COMMANDS:
        run(out, name, args)
    best = sorted((out / "propose_k4").glob("*.csv"))
    plan = next(p for p in best if p.name != "summary.csv")
    (out / PLAN_FILE).write_bytes(plan.read_bytes())
    for name, args in AFTER_PLAN:
        run(out, name, args)


def differences(out: Path, reference: Path) -> list[str]:
    """Relative paths of files that differ, or exist in only one of the two folders."""
    mine = {p.relative_to(out) for p in out.rglob("*") if p.is_file()}
    theirs = {p.relative_to(reference) for p in reference.rglob("*") if p.is_file()}
    changed = [str(p) for p in sorted(mine & theirs) if not filecmp.cmp(out / p, reference / p, shallow=False)]
    return changed + [f"only in {out}: {p}" for p in sorted(mine - theirs)] \
        + [f"only in {reference}: {p}" for p in sorted(theirs - mine)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--against", type=Path, default=None)
    args = parser.parse_args()
    capture(args.out.resolve())
    if args.against is None:
        return 0
    changed = differences(args.out.resolve(), args.against.resolve())
    print("identical" if not changed else "differ:\n  " + "\n  ".join(changed))
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())

"""`localign batch`: neighbourhoods for many councils at once on Dask distributed (see analysis.solvers.batch)."""

from __future__ import annotations

import argparse
import sys

from analysis.solvers.batch import DEFAULT_TARGET, council_codes, run_batch
from analysis.cli.requirements import parse_fraction
from analysis.cli.common import check_budget
from geo.errors import LocalignError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "batch", help="plan neighbourhoods for many councils at once (Dask)",
        description="Plan neighbourhoods of about --target-population residents for every council named, each as an "
                    "independent task on Dask distributed: a local cluster on every core, or an existing cluster "
                    "(--scheduler). Councils already in --out are skipped, so a stopped run can be restarted.")
    parser.add_argument("--councils", required=True, metavar="all|CODE,...",
                        help="'all' (every district of England) or council codes or names, comma-separated")
    parser.add_argument("--units", choices=("lsoa", "wards"), default="lsoa",
                        help="building blocks: lsoa (Census 2021 LSOAs, default) or wards")
    parser.add_argument("--target-population", type=float, default=DEFAULT_TARGET, metavar="N",
                        help=f"residents per neighbourhood (default {DEFAULT_TARGET:,}); k = residents / N, rounded")
    parser.add_argument("--max-deviation", metavar="F", help="every neighbourhood within F of its council's equal "
                                                               "share (0.05 or 5%%)")
    parser.add_argument("--budget-s", type=float, default=30.0, metavar="T", help="optimiser seconds per council "
                                                                                "(default 30)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler, e.g. tcp://host:8786 "
                                                              "(default: a local cluster on this machine)")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="processes of the local cluster (default: every core)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the optimiser (same seed, same plans)")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the results (kept between runs)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    check_budget(args.budget_s)
    if args.workers is not None and args.workers < 1:
        raise LocalignError.single(f"--workers {args.workers} starts no workers.", "--workers", "use 1 or more.")
    councils = council_codes(args.councils)
    report = run_batch(councils, args.out, args.units, args.target_population, parse_fraction(args.max_deviation),
                       args.budget_s, args.scheduler, args.workers, args.seed, progress_bar=sys.stderr.isatty())
    where = f"the cluster at {args.scheduler}" if args.scheduler else f"a local cluster of {report.workers} worker(s)"
    print(f"Batch: {len(councils)} council(s), {args.units} units, about {args.target_population:,.0f} residents per "
          f"neighbourhood.")
    ran = f" on {where} in {report.seconds:.1f} s" if report.planned or report.failures else ""
    print(f"  Planned now: {len(report.planned)}{ran}; already done (skipped): {len(report.skipped)}; "
          f"failed: {len(report.failures)}.")
    summary = report.written[-2] if len(report.written) >= 2 else None
    if summary is not None:
        import pandas as pd

        table = pd.read_csv(summary, encoding="utf-8-sig")
        if len(table):
            print(f"  {int(table['k'].sum()):,} neighbourhoods in {len(table)} council(s); largest deviation from "
                  f"each council's equal share: median {table['best_deviation'].median():.2%}, worst "
                  f"{table['best_deviation'].max():.2%}.")
    for failure in report.failures[:10]:
        print(f"  Failed: {failure['council_code']} {failure['council_name']}: {failure['reason']}")
    if len(report.failures) > 10:
        print(f"  ... and {len(report.failures) - 10} more in failures.csv")
    print(f"Wrote {', '.join(p.name for p in report.written)} to {report.written[0].parent}"
          " (per council: councils/CODE.parquet and CODE.json).")
    print("Neighbourhood residents are Census 2021 figures added up over the units; outlines are ONS "
          "super-generalised boundaries. Plans are optimiser proposals, not official boundaries.")
    return 1 if report.failures else 0

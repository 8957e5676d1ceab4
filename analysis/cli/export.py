"""`localign export`: write a plan as GeoJSON or CSV for GIS colleagues, or as a PNG map or PDF briefing pack."""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis.cli.common import add_evidence, add_bundle, load
from analysis.present.exports import FORMATS, export
from analysis.cli.common import plan_argument
from geo.errors import LocalignError

SUFFIX_FORMATS = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".png": "png", ".pdf": "pdf"}
"""The format chosen when --format is left out, from the file ending of --out."""


def register(sub: argparse._SubParsersAction) -> None:
    formats = "\n".join(f"  {name:<14} {spec.description}" for name, spec in FORMATS.items())
    parser = sub.add_parser(
        "export", help="write a plan as GeoJSON, CSV, a PNG map or a PDF briefing pack",
        description="Export plans for GIS colleagues (GeoJSON, CSV) or leadership (PNG map, PDF pack).",
        epilog=f"formats:\n{formats}\n\nexamples:\n"
               "  localign export --plan current --format png --out current.png\n"
               "  localign export --plan current --plan option-b.csv --format pdf --out briefing.pdf",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plan", action="append", required=True, metavar="current|NAME|FILE",
                        help="'current', a grouping of the bundle, or a CSV/GeoJSON plan file; repeat it for "
                             "pdf (up to 4 options) and metrics-csv")
    parser.add_argument("--format", choices=list(FORMATS), default=None,
                        help="what to write (default: from the --out file ending: .geojson localities, "
                             ".csv assignment, .png map, .pdf briefing pack)")
    parser.add_argument("--out", required=True, metavar="PATH", help="file to write (its folder must exist)")
    parser.add_argument("--title", default=None,
                        help="title of the png map or of the pdf's first page (default: the plan's name)")
    parser.add_argument("--purpose", default=None, metavar="TEXT",
                        help="png and pdf: one line under the title saying what the paper is for")
    parser.add_argument("--no-pcns", action="store_true", help="png: leave out the PCN area outlines")
    parser.add_argument("--no-practices", action="store_true", help="png: leave out the GP practices")
    parser.add_argument("--tolerance", type=float, default=None, metavar="F",
                        help="pdf: balance band as a fraction of an equal share (default 0.10 = ±10%%)")
    add_bundle(parser)
    add_evidence(parser)
    parser.set_defaults(run=run)


def choose_format(fmt: str | None, out: str) -> str:
    """The --format given, else the one the --out file ending implies."""
    if fmt:
        return fmt
    suffix = Path(out).suffix.lower()
    if suffix not in SUFFIX_FORMATS:
        raise LocalignError.single(f"the format cannot be told from the file ending '{suffix or '(none)'}'.",
                                   "--out", f"add --format with one of: {', '.join(FORMATS)}.")
    return SUFFIX_FORMATS[suffix]


def run(args: argparse.Namespace) -> int:
    fmt = choose_format(args.format, args.out)
    if args.tolerance is not None and not 0 < args.tolerance < 1:
        raise LocalignError.single(f"--tolerance {args.tolerance} is not a fraction between 0 and 1.",
                                   "--tolerance", "give e.g. 0.05 for ±5% or 0.1 for ±10%.")
    area = load(args)
    plans = [plan_argument(area, spec) for spec in args.plan]
    path = export(area, plans, fmt, args.out, title=args.title, purpose=args.purpose, show_pcns=not args.no_pcns,
                  show_practices=not args.no_practices, tolerance=args.tolerance)
    names = ", ".join(p.name for p in plans)
    print(f"Wrote {path} ({FORMATS[fmt].description}; {names}).")
    return 0

"""`localign bundle`: build a study-area bundle for any district in England from the national pack, or list them."""

from __future__ import annotations

import argparse

from analysis.cli.common import print_json, text_table
from geo import national


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("bundle", help="build a study area for any council in England",
                            description="Build a study-area bundle for any of England's 296 districts from the "
                                        "national open-data pack shipped with localign (works offline).")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser("build", help="write a bundle folder for one council",
                               description="Write a bundle folder (manifest.toml, units, residents, age bands, "
                                           "deprivation, GP practice catchments) for one council.")
    build.add_argument("--council", required=True, metavar="NAME|CODE",
                       help='the district: its name ("Newham", any case) or its code (E09000025)')
    build.add_argument("--units", choices=national.UNIT_CHOICES, default="wards",
                       help="wards (default; where wards changed after December 2022, May 2024 wards rebuilt from "
                            "LSOAs), wards2024 (always rebuilt from LSOAs) or lsoa (Census 2021 LSOAs)")
    build.add_argument("--out", metavar="DIR", default=None,
                       help="folder to write (default: a folder named after the council in the current directory)")
    build.add_argument("--pcn-list", metavar="CSV", default=None,
                       help="optional practice -> PCN list: a CSV with columns ods_code and pcn_name")
    build.add_argument("--json", action="store_true", help="print JSON instead of text")
    listing = actions.add_parser("list", help="list the 296 districts with their codes",
                                 description="List England's districts (May 2024) and whether their wards changed "
                                             "after December 2022.")
    listing.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        table = national.districts()
        if args.json:
            print_json(table.to_dict(orient="records"))
        else:
            text_table(["code", "district", "wards changed since Dec 2022"],
                       [(r.code, r.name, "yes" if r.changed_wards else "") for r in table.itertuples()])
        return 0
    code, name = national.resolve_council(args.council)
    out = args.out or "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
    result = national.build_bundle(code, out, units=args.units, pcn_list=args.pcn_list)
    if args.json:
        print_json({"path": str(result.path), "code": result.code, "name": result.name, "units": result.units,
                    "unit_kind": result.unit_kind, "residents": result.residents, "warnings": result.warnings})
        return 0
    print(f"Built {result.name} ({result.code}) in {result.path}: {result.units} "
          f"{'LSOAs' if result.unit_kind == 'lsoa' else 'wards'}, {result.residents:,} residents (Census 2021).")
    for warning in result.warnings:
        print(f"Note: {warning}")
    print(f"Next: localign info --bundle {result.path}   or   localign propose --bundle {result.path} --k 4 --out DIR")
    return 0

"""The `localign` command: every subcommand takes --bundle DIR and reports bad input in plain words, never a traceback."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from geo.errors import LocalignError

SUBCOMMANDS = ("info", "evaluate", "compare", "enumerate", "propose", "export", "bundle")
"""Each name is a module in analysis.cli with register(subparsers) and run(args) -> int."""

SUBCOMMANDS += ("batch",)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="localign",
        description="Locality-alignment planning: evaluate, propose, compare and export ward-based localities.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"analysis.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; exit status 2 means the input needs fixing (the message says how)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except LocalignError as exc:
        print(f"localign {args.command}: the input needs attention.\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("localign: stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug, not bad input: one line, and the traceback only on request
        if os.environ.get("LOCALIGN_DEBUG"):
            traceback.print_exc()
        print(f"localign {args.command}: unexpected internal error ({type(exc).__name__}: {exc}). "
              "Nothing was written. Set LOCALIGN_DEBUG=1 to see details and report them.", file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())

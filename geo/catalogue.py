"""Finding study-area bundles: every folder with a manifest.toml under data/boundaries (or a folder the user names)."""

from __future__ import annotations

import argparse
import os
import tomllib
from collections.abc import Sequence
from pathlib import Path

from geo.bundle import DEFAULT_BUNDLE

BUNDLES_ROOT = DEFAULT_BUNDLE.parent
"""data/boundaries: each sub-folder holding a manifest.toml is a bundled study area."""
BUNDLE_ENV = "LOCALIGN_BUNDLE"
"""Environment variable naming the bundle the app opens (``--bundle`` on the command line wins)."""


def bundle_title(folder: Path) -> str:
    """The study area's name from a bundle's manifest (the folder name if the manifest cannot be read)."""
    try:
        with open(folder / "manifest.toml", "rb") as handle:
            return str(tomllib.load(handle).get("study_area", {}).get("name") or folder.name)
    except (OSError, tomllib.TOMLDecodeError):
        return folder.name


def available_bundles(root: str | Path = BUNDLES_ROOT) -> dict[str, Path]:
    """Bundled study areas by name (folders under ``root`` with a manifest.toml), the default first."""
    root = Path(root)
    folders = sorted((p.parent for p in root.glob("*/manifest.toml")),
                     key=lambda p: (p.resolve() != DEFAULT_BUNDLE.resolve(), p.name))
    return {bundle_title(folder): folder for folder in folders}


def requested_bundle(argv: Sequence[str]) -> Path:
    """The bundle the app should open: ``--bundle DIR`` in ``argv``, else $LOCALIGN_BUNDLE, else the default."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--bundle")
    args, _ = parser.parse_known_args(list(argv))
    chosen = args.bundle or os.environ.get(BUNDLE_ENV)
    return Path(chosen).expanduser() if chosen else DEFAULT_BUNDLE

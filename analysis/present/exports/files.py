"""Writing export files safely: the folder must exist, the name must end as the format does, and a file is
replaced only once its new content is complete (a failed export never leaves half a file behind)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from geo.errors import LocalignError


def check_output_path(path: str | Path, suffixes: tuple[str, ...]) -> Path:
    """The output path if it can be written as one of ``suffixes``, else a LocalignError saying how to fix it."""
    path = Path(path).expanduser()
    where = str(path)
    if path.is_dir():
        raise LocalignError.single("this is a folder, not a file name.", where,
                                   f"give a file name inside it, e.g. {path / ('export' + suffixes[0])}.")
    if path.suffix.lower() not in suffixes:
        raise LocalignError.single(
            f"the file name ends in '{path.suffix or '(nothing)'}', which does not match the export format.",
            where, f"end the file name with {' or '.join(suffixes)}, e.g. {path.stem or 'export'}{suffixes[0]}.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise LocalignError.single(f"the folder '{folder}' does not exist.", where,
                                   "create the folder first, or choose an existing one.")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise LocalignError.single("localign may not write here (permission denied).", where,
                                   "choose a folder you can write to, e.g. your home or Documents folder.")
    return path


def write_bytes(content: bytes, path: str | Path, suffixes: tuple[str, ...]) -> Path:
    """Write ``content`` to ``path`` through a temporary file in the same folder, then rename it into place."""
    path = check_output_path(path, suffixes)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except OSError as exc:
        raise LocalignError.single(f"the file could not be written ({exc.strerror or exc}).", str(path),
                                   "check there is free space and that the file is not open in another "
                                   "program (e.g. Excel or QGIS), then export again.") from None
    return path

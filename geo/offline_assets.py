"""Leaflet served by the app itself, so maps work offline and on locked-down council networks.

folium points every map at public CDNs (Leaflet, jQuery, Bootstrap, Font Awesome, awesome-markers).
localign's maps need only Leaflet, which the PyPI package ``django-js-lib-leaflet`` ships (Leaflet 1.9.4,
BSD licence). ``install_leaflet`` copies it into the app's ``static/`` folder, which Streamlit serves at
``/app/static/``; ``use_local_assets`` points a map's JavaScript and CSS there and drops every other CDN file.
"""

from __future__ import annotations

import filecmp
import importlib.util
import os
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import branca.element
import folium

from geo.errors import LocalignError

LEAFLET_PACKAGE = "js_lib_leaflet"
VENDOR_FOLDER = "vendor/leaflet"
"""Where Leaflet is copied inside the app's static folder."""
LEAFLET_FILES = ("leaflet.js", "leaflet.css")
STATIC_URL = "../../app/static"
"""The static folder as seen from a Streamlit component's frame (``/component/<name>/index.html``):
relative, so it also works when the app is served under a base path."""

LOCAL_ONLY = {"leaflet": "leaflet.js", "leaflet_css": "leaflet.css"}
"""folium asset names that localign serves itself; every other CDN asset is dropped (its maps don't use them)."""

LEAFLET_RELEASED = datetime(2023, 5, 18, tzinfo=timezone.utc).timestamp()
"""Leaflet 1.9.4's release date. The served copies carry it as their modification time, so the app's static file
server sends it as Last-Modified (with an ETag): browsers then keep Leaflet in their cache for months (heuristic
freshness is a tenth of a file's age) and revalidate it cheaply, instead of fetching it again for every map."""

URL_PATTERN = re.compile(r"https?://[^\s\"'<>)]+", re.IGNORECASE)


def leaflet_source() -> Path:
    """The folder holding the installed package's Leaflet files."""
    spec = importlib.util.find_spec(LEAFLET_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LocalignError.single("the map library (Leaflet) is not installed.", "django-js-lib-leaflet",
                                   "reinstall localign: `make install` (or pip install django-js-lib-leaflet).")
    folder = Path(next(iter(spec.submodule_search_locations))) / "static" / LEAFLET_PACKAGE
    if not all((folder / name).is_file() for name in LEAFLET_FILES):
        raise LocalignError.single("the installed Leaflet package has no leaflet.js / leaflet.css.", str(folder),
                                   "reinstall it: pip install --force-reinstall django-js-lib-leaflet.")
    return folder


def install_leaflet(static_dir: str | Path) -> Path:
    """Copy Leaflet's JS, CSS and marker images into ``static_dir/vendor/leaflet`` (only files that changed)."""
    source = leaflet_source()
    target = Path(static_dir) / VENDOR_FOLDER
    files = [Path(name) for name in LEAFLET_FILES]
    files += [p.relative_to(source) for p in (source / "images").glob("*") if p.is_file()]
    for rel in files:
        destination = target / rel
        if not (destination.is_file() and filecmp.cmp(source / rel, destination, shallow=False)):
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / rel, destination)
        if destination.stat().st_mtime != LEAFLET_RELEASED:
            os.utime(destination, (LEAFLET_RELEASED, LEAFLET_RELEASED))
    return target


def asset_url(name: str, base_url: str = STATIC_URL) -> str:
    """The URL of one served Leaflet file (``leaflet.js`` or ``leaflet.css``)."""
    return f"{base_url.rstrip('/')}/{VENDOR_FOLDER}/{name}"


def _elements(root: branca.element.Element):
    yield root
    for child in getattr(root, "_children", {}).values():
        yield from _elements(child)


def use_local_assets(m: folium.Map, base_url: str = STATIC_URL) -> folium.Map:
    """Point every element of the map at the served Leaflet files and drop all other CDN JavaScript and CSS."""
    for element in _elements(m):
        for attribute in ("default_js", "default_css"):
            assets = getattr(element, attribute, None)
            if assets is None:
                continue
            local = [(name, asset_url(LOCAL_ONLY[name], base_url)) for name, _ in assets if name in LOCAL_ONLY]
            setattr(element, attribute, local)
    return m


def asset_urls(m: folium.Map, kind: str) -> list[str]:
    """Every URL of one kind (``default_js`` or ``default_css``) the map asks the browser to load, in the order
    streamlit-folium loads them, each once."""
    return list(dict.fromkeys(url for element in _elements(m) for _, url in getattr(element, kind, None) or []))


def asset_links(m: folium.Map) -> list[str]:
    """Every JavaScript and CSS URL the map asks the browser to load (what streamlit-folium loads)."""
    return list(dict.fromkeys(asset_urls(m, "default_js") + asset_urls(m, "default_css")))


def external_urls(text: str) -> list[str]:
    """Every http(s) URL in a piece of HTML or JavaScript (a map that works offline has none it must load)."""
    return sorted(set(URL_PATTERN.findall(text)))

"""Bring data -> Any council in England (AppTest): pick a district, the app builds its study area offline and switches
to it with the same views; the bundled Barking and Dagenham stays the default."""

from __future__ import annotations

from apptest_support import no_exceptions, show, start_app, texts

from geo import national
from geo.bundle import DEFAULT_BUNDLE


def test_picking_a_council_builds_it_and_switches_to_it(tmp_path, monkeypatch):
    monkeypatch.setenv(national.COUNCILS_ENV, str(tmp_path / "councils"))
    app = show(start_app(tmp_path / "autosave", monkeypatch), "Bring data")
    assert "Barking and Dagenham" in texts(app)  # the default
    app.selectbox(key="council_pick").set_value("E07000236").run()  # Redditch: its wards changed after 2022
    app.button(key="council_open").click().run()
    no_exceptions(app)
    page = texts(app)
    assert "Opened Redditch." in page and "changed after December 2022" in page
    assert (tmp_path / "councils" / "E07000236-wards" / "manifest.toml").is_file()
    assert "**Redditch**" in page and "9 wards" in page
    show(app, "Propose")
    no_exceptions(app)
    show(app, "Map & edit")
    no_exceptions(app)


def test_a_practice_pcn_list_gives_the_council_pcns(tmp_path, monkeypatch):
    monkeypatch.setenv(national.COUNCILS_ENV, str(tmp_path / "councils"))
    app = show(start_app(tmp_path / "autosave", monkeypatch), "Bring data")
    app.selectbox(key="council_pick").set_value("E09000002").run()
    listing = (DEFAULT_BUNDLE / "gp_practices.csv").read_bytes()
    app.file_uploader(key="council_pcns").set_value(("pcns.csv", listing, "text/csv")).run()
    app.button(key="council_open").click().run()
    no_exceptions(app)
    page = texts(app)
    assert "Opened Barking and Dagenham." in page and "Primary Care Networks (from registrations" in page

"""Shared fixtures: the bundled Barking and Dagenham study area, loaded once per test session, and a clean slate of
exports drawn ahead."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from geo.bundle import DEFAULT_BUNDLE, StudyArea, load_bundle


@pytest.fixture(scope="session")
def lbbd() -> StudyArea:
    """The bundled study area (19 wards, May 2022)."""
    return load_bundle(DEFAULT_BUNDLE)


@pytest.fixture(scope="session")
def lbbd_areas() -> StudyArea:
    """The bundled study area on the approximate-area PCN basis (Voronoi PCN areas), as without registrations
    (loaded on its own, so a module may use it in place of ``lbbd``)."""
    return load_bundle(DEFAULT_BUNDLE).without_registrations()


@pytest.fixture()
def no_prepared_exports() -> Iterator[None]:
    """No export is held before the test, and none is left for the next test, even if this one fails."""
    from analysis.present import prepared_exports

    prepared_exports.forget()
    yield
    prepared_exports.forget()

"""Shared fixtures: the bundled Barking and Dagenham study area, loaded once per test session."""

from __future__ import annotations

import pytest

from geo.bundle import DEFAULT_BUNDLE, StudyArea, load_bundle


@pytest.fixture(scope="session")
def lbbd() -> StudyArea:
    """The bundled study area (19 wards, May 2022)."""
    return load_bundle(DEFAULT_BUNDLE)

"""The editing session: moves, undo/redo, locks, kept plans and the autosave round trip, on the bundled data."""

from __future__ import annotations

import json

import pytest

from analysis.plan.editing import MAX_HISTORY, AutosaveStore, EditSession, study_area_key
from analysis.metrics.evaluate import evaluate
from analysis.plan.partition import current_plan
from geo.errors import LocalignError


def ward(lbbd, name: str) -> str:
    """The code of a ward by its name."""
    return str(lbbd.unit_names[lbbd.unit_names == name].index[0])


@pytest.fixture()
def session(lbbd) -> EditSession:
    return EditSession.start(lbbd, current_plan(lbbd))


def test_a_move_changes_the_plan_and_the_metrics(lbbd, session):
    abbey = ward(lbbd, "Abbey")
    before = evaluate(lbbd, session.plan)
    session.move(lbbd, {abbey: "North"})
    after = evaluate(lbbd, session.plan)
    assert session.plan.assignment[abbey] == "North"
    moved = float(lbbd.population[abbey])
    assert after.populations["North"] == pytest.approx(before.populations["North"] + moved)
    assert after.populations["West"] == pytest.approx(before.populations["West"] - moved)
    assert session.plan.name.endswith("(edited)")
    assert session.undo_label == "move Abbey to North"


def test_undo_and_redo_walk_the_history(lbbd, session):
    start = session.plan
    abbey, beam = ward(lbbd, "Abbey"), ward(lbbd, "Beam")
    session.move(lbbd, {abbey: "North"})
    middle = session.plan
    session.move(lbbd, {beam: "West"})
    assert session.undo() and session.plan.same_assignment(middle)
    assert session.undo() and session.plan.same_assignment(start)
    assert not session.undo()
    assert session.redo() and session.plan.same_assignment(middle)
    # a new change after undo drops the redo history
    session.move(lbbd, {beam: "North"})
    assert not session.can_redo
    assert session.plan.assignment[beam] == "North" and session.plan.assignment[abbey] == "North"


def test_history_is_bounded(lbbd, session):
    abbey = ward(lbbd, "Abbey")
    for i in range(MAX_HISTORY + 5):
        session.move(lbbd, {abbey: "North" if i % 2 == 0 else "West"})
    assert len(session.undo_stack) == MAX_HISTORY


def test_a_locked_ward_cannot_be_moved(lbbd, session):
    abbey = ward(lbbd, "Abbey")
    session.lock([abbey])
    assert session.locks == {abbey: "West"}
    with pytest.raises(LocalignError) as caught:
        session.move(lbbd, {abbey: "North"})
    assert "Abbey" in caught.value.problems[0].what and "unlock" in caught.value.problems[0].fix
    assert session.plan.assignment[abbey] == "West"
    session.undo()  # undo the lock
    assert not session.locks
    session.move(lbbd, {abbey: "North"})
    assert session.plan.assignment[abbey] == "North"


def test_a_move_that_empties_a_locality_is_refused(lbbd, session):
    plan = session.plan
    west = plan.members("West")
    with pytest.raises(LocalignError) as caught:
        session.move(lbbd, {u: "North" for u in west})
    assert "West" in caught.value.problems[0].what
    assert session.plan is plan and not session.can_undo


def test_moving_to_a_new_name_adds_a_locality(lbbd, session):
    abbey = ward(lbbd, "Abbey")
    session.move(lbbd, {abbey: "South"})
    assert session.plan.k == 4 and session.plan.localities[-1] == "South"
    assert evaluate(lbbd, session.plan).populations["South"] == pytest.approx(float(lbbd.population[abbey]))


def test_broken_locks_after_opening_another_plan(lbbd, session):
    abbey = ward(lbbd, "Abbey")
    session.lock([abbey])
    other = session.plan.reassign({abbey: "North"}, name="other")
    session.open(other)
    assert session.broken_locks() == {abbey: "West"}


def test_rename_locality_moves_its_locks(lbbd, session):
    abbey = ward(lbbd, "Abbey")
    session.lock([abbey])
    session.rename_locality("West", "Riverside")
    assert "Riverside" in session.plan.localities and "West" not in session.plan.localities
    assert session.locks[abbey] == "Riverside"
    with pytest.raises(LocalignError):
        session.rename_locality("North", "East")


def test_keep_gives_unique_names(lbbd, session):
    first = session.keep(session.plan, "Option")
    session.move(lbbd, {ward(lbbd, "Abbey"): "North"})
    second = session.keep(session.plan, "Option")
    assert (first, second) == ("Option", "Option (2)")
    assert session.keep(session.library["Option"], "Option") == "Option"  # same plan, same name


def test_autosave_round_trip_restores_plan_locks_history_and_library(lbbd, session, tmp_path):
    abbey, beam = ward(lbbd, "Abbey"), ward(lbbd, "Beam")
    session.move(lbbd, {abbey: "North"})
    session.lock([beam])
    session.keep(session.plan, "My option")
    store = AutosaveStore(tmp_path)
    path = store.save(session)
    assert path.parent == tmp_path and path.name == f"{study_area_key(lbbd)}.json"
    restored = store.load(lbbd)
    assert restored.plan.same_assignment(session.plan) and restored.plan.name == session.plan.name
    assert dict(restored.locks) == {beam: "East"}
    assert restored.library["My option"].same_assignment(session.plan)
    assert restored.changed_at == session.changed_at
    assert restored.undo() and restored.plan.assignment[beam] == "East" and not restored.locks
    assert restored.undo() and restored.plan.same_assignment(current_plan(lbbd))


def test_autosave_is_per_study_area_and_can_be_discarded(lbbd, session, tmp_path):
    store = AutosaveStore(tmp_path)
    assert store.load(lbbd) is None
    store.save(session)
    assert store.saved_at(session.area_key) is not None
    store.discard(session.area_key)
    assert store.load(lbbd) is None


def test_a_damaged_autosave_is_reported_and_left_in_place(lbbd, tmp_path):
    store = AutosaveStore(tmp_path)
    path = store.path(study_area_key(lbbd))
    path.write_text('{"version": 1, "state": ', encoding="utf-8")
    with pytest.raises(LocalignError) as caught:
        store.load(lbbd)
    assert "could not be read" in caught.value.problems[0].what
    assert path.exists()


def test_an_autosave_naming_unknown_wards_is_refused(lbbd, session, tmp_path):
    store = AutosaveStore(tmp_path)
    path = store.save(session)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["state"]["plan"]["assignment"]["E99999999"] = "North"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(LocalignError) as caught:
        store.load(lbbd)
    assert "E99999999" in caught.value.problems[0].what


def test_autosave_falls_back_to_a_local_folder(lbbd, session, tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.chdir(tmp_path)
    path = AutosaveStore(blocked / "autosave").save(session)
    assert path.parent == tmp_path / ".localign-autosave"


def test_a_new_locality_name_that_spreadsheets_would_run_as_a_formula_is_refused(lbbd):
    session = EditSession.start(lbbd, current_plan(lbbd))
    with pytest.raises(LocalignError, match="formula"):
        session.rename_locality("West", "=HYPERLINK(1)")
    with pytest.raises(LocalignError, match="formula"):
        session.move(lbbd, {lbbd.ids[0]: "@cmd"})
    assert session.plan.same_assignment(current_plan(lbbd))

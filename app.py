"""localign planner app (Streamlit): layout and wiring only; numbers come from analysis/, shapes and maps from geo/.

Run it with `make run`, or `streamlit run app.py -- --bundle DIR` for another council's bundle.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import streamlit as st

from analysis.present import map_frame, views
from analysis.present.charts import (
    PARETO_SELECTION,
    metric_tooltips,
    measures_chart,
    measures_height,
    pareto_chart,
    selected_option,
)
from analysis.metrics.compare import compare
from analysis.present.downloads import Download, plan_downloads, with_baseline
from analysis.plan.editing import AutosaveStore, EditSession, new_session_key, study_area_key, valid_session_key
from analysis.metrics.evaluate import evaluate
from analysis.metrics.definitions import metric
from analysis.metrics.population import DEFAULT_TOLERANCE
from analysis.present.html_panels import balance_bars_html, figures_html, key_figures_html, locality_table_html
from analysis.present.palette import CURRENT_OUTLINE, PCN_OUTLINE, PRACTICE, locality_colours
from analysis.plan.partition import Plan
from analysis.plan.io import read_plan
from analysis.constraints.rules import Constraints
from analysis.solvers.propose import propose
from analysis.metrics.scoring import Weights
from analysis.cli import serving
from geo.bundle import DEFAULT_BUNDLE, StudyArea, load_bundle, summary
from geo.catalogue import available_bundles, requested_bundle
from geo.errors import LocalignError
from geo.escape import html_text, markdown_text
from geo.national import UNIT_LABELS as COUNCIL_UNITS, council_bundle, council_choices
from geo.offline_assets import install_leaflet
from geo.uploads import pcn_grouping_from_upload, study_area_from_upload, with_uploaded_pcns
from analysis.present.webmap import MapOptions, legend_html, map_legend, plan_group, unit_at

APP_DIR = Path(__file__).resolve().parent
VIEWS = ("Map & edit", "Propose", "Compare", "Bring data", "Brief")
# Uploads take any file name, so a wrong kind of file gets localign's own plain-language message.
FILE_TYPES_TEXT = {"plan": "CSV, GeoJSON, GeoPackage or zipped Shapefile",
                   "layer": "GeoJSON, GeoPackage or zipped Shapefile"}
MAP_HEIGHT = 600
log = logging.getLogger("localign.app")

st.set_page_config(page_title="localign – locality planner", layout="wide",
                   initial_sidebar_state="expanded")

STYLE = """
<style>
.block-container {padding-top: 2.2rem; padding-bottom: 1rem;}
.localign-figures-grid {display: grid; gap: 0.75rem; margin-bottom: 1rem;}
.localign-figure {border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; padding: 0.55rem 0.8rem; cursor: help;}
.localign-figure .t {font-size: 0.8rem; line-height: 1.2; color: #31333F;}
.localign-figure .t::after {content: "?"; display: inline-block; width: 1.05em; height: 1.05em; line-height: 1.05em;
  margin-left: 0.3em; border: 1px solid #8a8c94; border-radius: 50%; color: #6b6d75; font-size: 0.7rem;
  text-align: center; vertical-align: 0.1em;}
.localign-figure .v {font-size: 1.45rem; line-height: 1.35; margin-top: 0.2rem; font-variant-numeric: tabular-nums;}
.localign-source {color: #555; font-size: 0.8rem; line-height: 1.35;}
table.localign-figures {border-collapse: collapse; width: 100%; font-size: 0.95rem; margin-bottom: 0.6rem;}
table.localign-figures td {border: none; border-bottom: 1px solid #e6e6e6; padding: 0.42rem 0.2rem;}
table.localign-figures td.v {text-align: right; font-weight: 600; white-space: nowrap;}
table.localign-balance, table.localign-table {border-collapse: collapse; width: 100%; margin-bottom: 0.4rem;}
table.localign-balance {font-size: 0.9rem;}
table.localign-table {font-size: 0.88rem;}
.localign-balance th, .localign-table th {border: none; border-bottom: 1px solid #d0d0d0; color: #444;
  font-size: 0.78rem; font-weight: 600; text-align: left; padding: 0.25rem 0.35rem; background: none;}
.localign-balance td, .localign-table td {border: none; border-bottom: 1px solid #ececec; padding: 0.3rem 0.35rem;
  white-space: nowrap;}
.localign-balance .v, .localign-table .v {text-align: right; font-variant-numeric: tabular-nums;}
.localign-balance td.v {font-weight: 600;}
.localign-balance td.name, .localign-table td:first-child {white-space: normal; overflow-wrap: anywhere; min-width: 5rem;}
.localign-balance td.bar {width: 52%;}
.localign-balance .track {position: relative; height: 1.05rem;}
.localign-balance .band {position: absolute; top: -0.3rem; bottom: -0.3rem; opacity: 0.7;}
.localign-balance .fill {position: absolute; left: 0; top: 0.05rem; bottom: 0.05rem; border: 0.6px solid;
  box-sizing: border-box;}
.localign-balance .equal {position: absolute; top: -0.35rem; bottom: -0.35rem; border-left: 1.5px dashed;}
.localign-balance .swatch, .localign-table .swatch {display: inline-block; width: 0.75rem; height: 0.75rem;
  border-radius: 2px; margin-right: 0.4rem; vertical-align: -0.05rem; border: 1px solid rgba(0, 0, 0, 0.25);}
.st-key-brief_map_box iframe {height: max(520px, calc(100vh - 250px)) !important;}
</style>
"""
PRESENTATION_STYLE = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"] {display: none !important;}
.block-container {padding-top: 1rem; max-width: 100%;}
.st-key-brief_map_box iframe {height: max(520px, calc(100vh - 150px)) !important;}
/* the way out stays out of the slide: invisible until pointed at, in the top-right corner */
.st-key-present_leave {position: fixed; top: 4px; right: 14px; z-index: 999990; opacity: 0; transition: opacity .2s;}
.st-key-present_leave:hover, .st-key-present_leave:focus-within {opacity: 1;}
</style>
"""


# --- loading --------------------------------------------------------------------------------------

@st.cache_resource(show_spinner="Loading the study area…")
def load_area(folder: str) -> StudyArea:
    """The study area of a bundle folder, loaded once per server."""
    return load_bundle(folder)


PREPARE_AT_START = "LOCALIGN_PREPARE_AT_START"
# Environment setting: "0" stops the server drawing today's briefing pack after its first page (the app's tests set
# it, so each test sees only the exports it asks for).


@st.cache_resource(show_spinner=False)
def load_export_code() -> threading.Thread:
    """Load the export drawing code (matplotlib's PDF backend and fontTools, about a second) once per server, in the
    background after the first page is sent, so a planner's first export does not wait for it."""
    from analysis.present.exports import preload

    thread = threading.Thread(target=preload, daemon=True, name="localign-load-exports")
    thread.start()
    return thread


@st.cache_resource(show_spinner=False)
def prepare_todays_pack(area_key: str, _area: StudyArea) -> None:
    """Once per server, after the first page of the study area it serves: draw today's localities' briefing pack in
    the background as the Export tab offers it before any edit, so a planner's first pack is handed over at once and
    later ones are quicker (a process's first pack takes about 60 % longer than the next, measuring the words every
    pack shares)."""
    today_plan = current_localities(_area)
    if today_plan is not None and os.environ.get(PREPARE_AT_START, "1") != "0":
        start_ahead(download_items(_area, today_plan, tol=DEFAULT_TOLERANCE_PCT / 100), EXPORT_AHEAD)


def serving_own_bundle() -> bool:
    """Whether this session shows the study area the server was started with (not an upload or another council)."""
    return st.session_state.get("uploaded_area") is None and bundle_folder() == requested_bundle(sys.argv[1:])


@st.cache_resource(show_spinner=False)
def serve_leaflet() -> Path:
    """Copy Leaflet into ./static once per server so maps load it from the app, not from the internet."""
    return install_leaflet(APP_DIR / "static")


def browser_session() -> str:
    """This browser session's random key, kept in the page address (?session=…) so a reload finds its own work."""
    if "session_key" not in st.session_state:
        given = st.query_params.get("session")
        st.session_state.session_key = given if valid_session_key(given) else new_session_key()
    if st.query_params.get("session") != st.session_state.session_key:
        st.query_params["session"] = st.session_state.session_key
    return st.session_state.session_key


def store() -> AutosaveStore:
    """Where this browser session's edits are autosaved (set LOCALIGN_AUTOSAVE_DIR to move the folder)."""
    return AutosaveStore(session=browser_session())


def bundle_folder() -> Path:
    """The bundle chosen in this session, else the one named on the command line, else the default."""
    if "bundle_dir" not in st.session_state:
        st.session_state.bundle_dir = str(requested_bundle(sys.argv[1:]))
    return Path(st.session_state.bundle_dir)


def active_area() -> StudyArea:
    """The study area in use: uploaded boundaries, else the chosen bundle (with any uploaded PCN areas)."""
    uploaded = st.session_state.get("uploaded_area")
    if uploaded is not None:
        return with_choices(uploaded)
    folder = bundle_folder()
    try:
        area = load_area(str(folder))
    except LocalignError as exc:
        st.title("localign")
        st.error(f"The study area in **{_md(str(folder))}** could not be opened.")
        show_problems(exc)
        if folder.resolve() != DEFAULT_BUNDLE.resolve():
            offer_default_bundle(folder)
        st.stop()
    except Exception:
        log.exception("loading %s failed", folder)
        st.title("localign")
        st.error(f"The study area in {_md(str(folder))} could not be opened because of an unexpected problem. "
                 "Check that the folder holds a complete bundle (manifest.toml and the files it names).")
        offer_default_bundle(folder)
        st.stop()
    return with_choices(st.session_state.get("pcn_override", {}).get(str(folder), area))


def with_choices(area: StudyArea) -> StudyArea:
    """The study area with this session's evidence choices: balance measures, growth scenario, practice -> PCN."""
    balance = tuple(m for m in st.session_state.get("balance_on") or () if m in area.attributes.columns)
    scenario = st.session_state.get("scenario")
    assignments = st.session_state.get("practice_pcns", {}) if area.registrations is not None else {}
    try:
        return area.variant(balance, scenario if scenario in area.scenarios else None, assignments)
    except LocalignError as exc:
        show_problems(exc)
        return area


def offer_default_bundle(folder: Path) -> None:
    if folder.resolve() != DEFAULT_BUNDLE.resolve():
        st.button("Open the bundled Barking and Dagenham data instead", key="open_default",
                  on_click=lambda: st.session_state.update(bundle_dir=str(DEFAULT_BUNDLE)))


def reference_plans(area: StudyArea) -> dict[str, Plan]:
    """The plans every study area offers (current localities, other groupings), made once per study area."""
    return views.kept_reference_plans(area)


def edit_session(area: StudyArea) -> EditSession | None:
    """This study area's editing session: kept in session state, restored from the autosave after a reload."""
    sessions: dict = st.session_state.setdefault("sessions", {})
    key = study_area_key(area)
    if key not in sessions:
        restored = None
        try:
            restored = store().load(area)
        except LocalignError as exc:
            st.session_state.setdefault("autosave_problems", {})[key] = exc
        if restored is not None:
            sessions[key] = restored
            st.session_state.setdefault("restored", {})[key] = restored.changed_at
        else:
            start = next(iter(reference_plans(area).values()), None)
            sessions[key] = EditSession.start(area, start) if start is not None else None
    return sessions[key]


def new_session(area: StudyArea, plan: Plan) -> EditSession:
    """Start editing ``plan`` on an area that had no plan yet (e.g. uploaded boundaries)."""
    session = EditSession.start(area, plan)
    st.session_state.setdefault("sessions", {})[study_area_key(area)] = session
    return session


# --- messages -------------------------------------------------------------------------------------

_md = markdown_text  # text from data shown through Markdown: nothing in it is read as formatting or HTML


def show_problems(exc: LocalignError) -> None:
    """Each problem in plain words: what is wrong, where, and how to fix it."""
    for problem in exc.problems:
        show = st.warning if problem.severity == "warning" else st.error
        show(f"**{_md(problem.what)}**  \nWhere: {_md(problem.where)}  \nHow to fix it: {_md(problem.fix)}")


def flash(kind: str, text, where: str = "top") -> None:
    """A message shown once on the next page (after a button's action): at the top, or ``where`` the button was."""
    st.session_state.setdefault("flash", []).append((kind, text, where))


def show_flash(where: str = "top") -> None:
    """Show (once) the messages meant for this place on the page."""
    waiting = st.session_state.get("flash", [])
    mine = [item for item in waiting if item[2] == where]
    st.session_state["flash"] = [item for item in waiting if item[2] != where]
    for kind, item, _ in mine:
        if isinstance(item, LocalignError):
            show_problems(item)
        else:
            getattr(st, kind)(item)
            if where != "top":  # also in a corner of the screen, in sight wherever the page is scrolled
                st.toast(item, icon=":material/check_circle:" if kind == "success" else None)


UNEXPECTED = ("Something unexpected went wrong while {what}. Your plan is safe: it is kept in this session and "
              "autosaved. Try again; if it keeps happening, export your plan (Ward list CSV) and tell the "
              "localign maintainers what you did.")


@contextmanager
def friendly(what: str):
    """Show a LocalignError as its problems and any other error as a plain message, never a traceback."""
    try:
        yield
    except LocalignError as exc:
        show_problems(exc)
    except Exception:
        log.exception("unexpected error while %s", what)
        st.error(UNEXPECTED.format(what=what))


def act(session: EditSession | None, what: str, change, *args) -> None:
    """Run a change (a button's action) with errors shown in words, then autosave the session."""
    try:
        change(*args)
    except LocalignError as exc:
        flash("error", exc)
        if session is not None:
            session.version += 1  # reset tables holding the refused edit
        return
    except Exception:
        log.exception("unexpected error while %s", what)
        flash("error", UNEXPECTED.format(what=what))
        return
    if session is not None:
        autosave(session)


def autosave(session: EditSession) -> None:
    try:
        store().save(session)
    except LocalignError as exc:
        flash("warning", exc)


# --- maps ------------------------------------------------------------------------------------------

def map_options(area: StudyArea, highlight: tuple[str, ...] = (), highlight_label: str = "Selected ward",
                height: int = MAP_HEIGHT, legend: bool = True, label_only: tuple[str, ...] | None = None,
                layer_control: bool = True, zoom_buttons: bool = True) -> MapOptions:
    layers = chosen_layers()
    return MapOptions(ward_names=layers["names"], current=layers["current"], pcn=layers["pcn"],
                      practices=layers["practices"], street_map=layers["street"], legend=legend, highlight=highlight,
                      highlight_label=highlight_label, highlight_solid=highlight_label == "Selected ward",
                      label_only=label_only, layer_control=layer_control, zoom_buttons=zoom_buttons, height=height,
                      assumption_notes=views.assumption_labels(area))


def show_map(area: StudyArea, plan: Plan, key: str, *, title: str | None = None, highlight: tuple[str, ...] = (),
             highlight_label: str = "Selected ward", height: int = MAP_HEIGHT, clickable: bool = False,
             legend_below: bool = False, label_only: tuple[str, ...] | None = None, layer_control: bool = True,
             among: tuple[str, ...] | None = None, zoom_buttons: bool = True):
    """Draw a plan on the map; only a clickable map sends clicks back (other interaction never reruns the app).

    The base map (reference layers, labels) stays in the browser; a change of plan sends only the plan's layer.
    ``legend_below`` puts the legend under a narrow map instead of on it; ``among`` names every locality of the
    plans shown together, so each name keeps one colour.
    """
    evaluation = evaluate(area, plan)
    layer = views.plan_layer(area, plan, evaluation, title, among=among)
    options = map_options(area, highlight, highlight_label, height, not legend_below, label_only, layer_control,
                          zoom_buttons)
    colours = {"current": CURRENT_OUTLINE, "pcn": PCN_OUTLINE, "practice": PRACTICE}
    result = map_frame.show(map_frame.base_for(area, options, colours), plan_group(area, layer, options, colours),
                            key=key, height=height, returned_objects=["last_object_clicked"] if clickable else [])
    if legend_below:
        st.html(legend_html(layer.title, map_legend(area, layer, options, colours), layer.note))
    return result


def take_click(area: StudyArea, result) -> None:
    """Select the ward a planner clicked on the map (each click once)."""
    click = (result or {}).get("last_object_clicked")
    if not click or click.get("lat") is None:
        return
    where = (round(float(click["lat"]), 7), round(float(click["lng"]), 7))
    if where == st.session_state.get("last_click"):
        return
    st.session_state.last_click = where
    ward = unit_at(area, *where)
    if ward and ward != st.session_state.get("selected_ward"):
        st.session_state.selected_ward = ward
        st.session_state.ward_pick = ward
        st.rerun()


# --- pieces shared by the views -----------------------------------------------------------------------

def balance_panel(area: StudyArea, plan: Plan, evaluation) -> None:
    """The balance chart (residents, or each chosen measure); under a growth scenario, base and scenario side by
    side."""
    cases = [("", area, evaluation)]
    if area.scenario is not None:
        base = area.without_scenario()
        cases = [("Base: 2021 residents", base, evaluate(base, plan)),
                 (f"Scenario: {area.scenario.name} (assumption)", area, evaluation)]
    columns = st.columns(len(cases)) if len(cases) > 1 else [st.container()]
    for column, (title, case_area, result) in zip(columns, cases):
        with column:
            if title:
                st.markdown(f"**{_md(title)}**")
            if case_area.balance_on:
                chart = measures_chart(result, tolerance(), case_area.attribute_titles)
                st.altair_chart(chart, width="stretch", height=measures_height(plan.k, len(result.balance_on)))
                st.caption(f"{_md(case_area.balance_text)}. Largest deviation {result.max_abs_deviation:.1%}. "
                           f"Grey band: within ±{tolerance():.0%} of an equal share of each.")
            else:
                st.html(balance_bars_html(result, tolerance()))
                st.caption(f"Equal share: {result.ideal:,.0f} residents. Grey band: within ±{tolerance():.0%}.")


def scenario_figures(area: StudyArea, plan: Plan, evaluation, compact: bool = False) -> None:
    """Key figures under the base and the growth scenario side by side, with the scenario's basis.

    ``compact``: a plain three-column table that fits the Brief's narrow column without scrolling sideways.
    """
    base = evaluate(area.without_scenario(), plan)
    table = views.scenario_figures(base, evaluation)
    if compact:
        st.html(figures_html(zip(table.index, table.to_numpy()), head=list(table.columns)))
    else:
        st.dataframe(table, width="stretch")
    st.caption(f"{_md(area.scenario.label())}. Basis: {_md(area.scenario.basis)}")


def key_figures(evaluation, per_row: int = 4) -> None:
    st.html(key_figures_html(views.key_figures(evaluation), per_row))


def progress_bar(text: str):
    """A Streamlit progress bar as a ``progress(fraction, message)`` callback (updates from other threads wait)."""
    bar = st.progress(0.0, text=text)
    owner = threading.current_thread()

    def report(fraction: float, message: str) -> None:
        if threading.current_thread() is owner:
            bar.progress(min(1.0, max(0.0, float(fraction))), text=message or text)

    return bar, report


def ranking_panel(area: StudyArea, plan: Plan) -> None:
    """Where the plan stands among every valid plan with as many localities (listed once per study area and k)."""
    listed = views.all_plans_listed(area, plan.k)
    if not listed and plan.k > views.AUTO_RANK_MAX_K and not st.button(
            f"Rank this plan among all possible plans of {plan.k} localities", key="rank_plan",
            help="Lists every possible plan once (this can take a minute); then the ranking is instant."):
        return
    with friendly("ranking the plan among all valid plans"):
        if not listed:
            bar, report = progress_bar("Listing every possible plan once…")
            views.all_plans(area, plan.k, report)
            bar.empty()
        everything = views.all_plans(area, plan.k)
        st.markdown(f"**Among all {len(everything.plans):,} possible plans** of {plan.k} connected localities",
                    help="\n\n".join(views.standing_lines(everything, plan)))
        st.html(figures_html((text, [share]) for text, share in views.standing_rows(everything, plan)))


DEFAULT_TOLERANCE_PCT = round(DEFAULT_TOLERANCE * 100)


def tolerance() -> float:
    return st.session_state.get("tolerance_pct", DEFAULT_TOLERANCE_PCT) / 100


EXPORT_AHEAD = ("pdf",)
# Exports drawn in the background as soon as a planner opens an export section (the briefing pack takes seconds).
# (A comment, not a docstring: Streamlit would show a bare string on the page.)


def downloads(area: StudyArea, plan: Plan, key: str, others: tuple[Plan, ...] = (), *,
              pack: list[Plan] | None = None, title: str | None = None, purpose: str | None = None,
              ahead: tuple[str, ...] = ()) -> None:
    """Export buttons for a plan: ward list, measures, GeoJSON, slide map and briefing pack (``pack``, in order);
    the formats in ``ahead`` are made in the background while the planner reads the page."""
    failures: dict = st.session_state.setdefault("export_failures", {})
    items = download_items(area, plan, others, tol=tolerance(), pack=pack, title=title, purpose=purpose)
    start_ahead(items, ahead)
    columns = st.columns(3)
    for i, item in enumerate(items):
        column = columns[i % 3]

        def make(item=item) -> bytes:
            try:
                return item.make()
            except Exception as exc:
                log.exception("export %s failed", item.key)
                failures[item.key] = exc
                return b""

        column.download_button(item.label, data=make, file_name=item.file_name, mime=item.mime, help=item.help,
                               key=f"{key}_{item.key}", width="stretch", on_click="ignore")
    for name, exc in list(failures.items()):
        if isinstance(exc, LocalignError):
            show_problems(exc)
        else:
            st.error(f"The {name} export could not be made. Try again, or use another format.")
        failures.pop(name)


def download_items(area: StudyArea, plan: Plan, others: tuple[Plan, ...] = (), *, tol: float,
                   pack: list[Plan] | None = None, title: str | None = None,
                   purpose: str | None = None) -> list[Download]:
    """The files behind a plan's export buttons; the briefing pack covers ``pack``, by default the plan and ``others``
    with today's localities first (a briefing pack always compares with today)."""
    if pack is None:
        pack = with_baseline([plan, *others], current_localities(area))
    return plan_downloads(area, plan, others, tolerance=tol, pack=pack, title=title, purpose=purpose)


def start_ahead(items: list[Download], ahead: tuple[str, ...]) -> None:
    """Start drawing the formats in ``ahead`` in the background, in the order asked for (the slowest, most wanted file
    first)."""
    for name in ahead:
        for item in items:
            if item.key == name and item.prepare is not None:
                item.prepare()


def notes(area: StudyArea) -> None:
    """The assumption notes and the source line (shown under every map a planner might copy)."""
    text = "<br>".join(html_text(n) for n in area.export_notes)
    st.html(f'<div class="localign-source">{text}<br>{html_text(area.source_line)}</div>')


def plan_choices(area: StudyArea, session: EditSession | None) -> dict[str, Plan]:
    """Every plan a planner can open or compare: the working plan, reference plans and kept plans."""
    choices: dict[str, Plan] = {}
    if session is not None:
        choices[f"Working plan: {session.plan.name}"] = session.plan
    choices.update(reference_plans(area))
    if session is not None:
        choices.update(session.library)
    return choices


# --- sidebar ----------------------------------------------------------------------------------------

def sidebar(area: StudyArea, session: EditSession | None) -> None:
    with st.sidebar:
        st.markdown(f"### {_md(area.manifest.short_name)}")
        st.caption(f"{len(area.ids)} {_md(area.manifest.unit_label)}s · {area.total_population:,.0f} residents")
        if session is None:
            st.info("No plan yet: propose options or import a plan.")
        else:
            st.markdown(f"**Working plan:** {_md(session.plan.name)}  \n"
                        f"{session.plan.k} localities")
            choices = {name: plan for name, plan in plan_choices(area, session).items()
                       if not name.startswith("Working plan")}

            def open_chosen() -> None:
                name = st.session_state.get("open_plan")
                if name in choices:
                    act(session, "opening a plan", session.open, choices[name])
                st.session_state.open_plan = None

            st.selectbox("Open a plan", list(choices), index=None, key="open_plan", on_change=open_chosen,
                         placeholder="Current localities, options, imports…",
                         help="Opening a plan makes it the working plan. Undo takes you back.")
            undo, redo = st.columns(2)
            undo.button("Undo", key="undo", icon=":material/undo:", disabled=not session.can_undo, width="stretch",
                        help=f"Undo: {_md(session.undo_label)}" if session.can_undo else "Nothing to undo",
                        on_click=act, args=(session, "undoing", session.undo))
            redo.button("Redo", key="redo", icon=":material/redo:", disabled=not session.can_redo, width="stretch",
                        help=f"Redo: {_md(session.redo_label)}" if session.can_redo else "Nothing to redo",
                        on_click=act, args=(session, "redoing", session.redo))
            with st.popover("Keep a copy of this plan", width="stretch"):
                st.text_input("Name", value=session.plan.name, key="keep_name")
                st.button("Keep", key="keep_plan", on_click=lambda: act(
                    session, "keeping the plan",
                    lambda: flash("success", f"Kept as “{_md(session.keep(session.plan, st.session_state.keep_name))}”.",
                                  "sidebar")))
                show_flash("sidebar")
            if session.changed_at is not None:
                st.caption(f"Autosaved {session.changed_at.astimezone():%H:%M} · survives a reload")
        st.divider()
        st.markdown("**Maps show**")
        labels = views.assumption_labels(area)
        layers: dict[str, bool] = {}
        layers["current"] = st.checkbox(_md(labels.get("current", "Current localities")),
                                        value=layer_tick("current"),
                                        key="layer_current", disabled=area.current is None)
        layers["pcn"] = st.checkbox(_md(labels.get("pcn", "PCN areas")), value=layer_tick("pcn"), key="layer_pcn",
                                    disabled=area.pcn is None or area.pcn.areas is None)
        layers["practices"] = st.checkbox("GP practices", value=layer_tick("practices"), key="layer_practices",
                                          disabled="practices" not in area.points)
        layers["names"] = st.checkbox("Ward names", value=layer_tick("names"), key="layer_names")
        layers["street"] = st.checkbox("Offer a street map (needs internet)", value=layer_tick("street"),
                                       key="layer_street",
                                       help="Adds a street-map layer you can switch on in the map. Without "
                                            "internet access the map keeps its plain background.")
        remember_layer_ticks(layers)
        balance_settings(area)
        st.divider()
        st.button("Presentation view", key="present_on", width="stretch", type="primary",
                  help="Hides the controls so a screenshot of the map is ready for a slide. To leave it, point at "
                       "the top-right corner and click “Leave presentation view”.",
                  on_click=lambda: st.query_params.update(present="1"))


WEIGHT_SLIDERS = (("balance", "Balance", "Localities close to an equal share of residents."),
                  ("nesting", "PCN nesting", "Keep each PCN's residents in one locality (PCN areas are approximate)."),
                  ("compactness", "Compactness", "Rounder, less straggly localities."),
                  ("continuity", "Continuity", "Keep residents in their current locality (inferred)."))
PROPOSE_KEYS = ("p_k", "p_maxdev", "p_pcns", "p_top", *(f"p_w_{name}" for name, _, _ in WEIGHT_SLIDERS),
                "p_together", "p_apart", "p_method", "p_seed", "p_budget")
KEPT = ("tolerance_pct", "balance_on", "scenario", "brief_title", "brief_purpose", "cmp_a", "cmp_b")
# The planner's choices held in widgets that a run may not draw: the balance settings (drawn only while their section
# is open), the Brief's title and purpose and the plans picked in Compare (drawn only in their view), and all of them
# in the presentation view. Streamlit forgets a widget's value when a run does not draw it, so keep_settings hands
# the values back to session state (they commit as soon as they change, so handing them back loses nothing).


def keep_settings(keys: tuple[str, ...] = KEPT) -> None:
    """Keep the planner's choices through runs that do not draw their widgets (a closed section, another view, the
    presentation view): without this, the Brief's title and the balance settings were lost on leaving the
    presentation view, and the Propose rules reset while the options found with them were still listed."""
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def keep_propose_rules() -> None:
    """Keep the Propose rules through a run that does not draw them. They sit in a form, so they are handed back only
    when the form is not on screen (handing a value back while it is would overwrite an edit not yet submitted), and
    once more in the run that draws the form again, so the boxes show the kept values rather than their minimums."""
    keep_settings(PROPOSE_KEYS)
    st.session_state.propose_drawn = False


def propose_defaults(area: StudyArea) -> dict:
    """The Propose rules a planner starts from: the study area's usual number of localities, the balance tolerance,
    no limit on split PCNs, ten options, the default weights, the best available method, seed 0 and 30 seconds."""
    weights = Weights()
    return {"p_k": area.manifest.default_k, "p_maxdev": round(tolerance() * 100), "p_pcns": "No limit", "p_top": 10,
            **{f"p_w_{name}": float(getattr(weights, name)) for name, _, _ in WEIGHT_SLIDERS},
            "p_together": [], "p_apart": [], "p_method": "auto", "p_seed": 0, "p_budget": 30}


def short_title(title: str) -> str:
    """A measure's title without its source in brackets, e.g. 'Children aged 0-15'."""
    return title.split(" (")[0]


def balance_summary(area: StudyArea) -> str:
    """The balance settings in force, in one line, e.g. 'Balance on Residents · ±10% · no growth scenario'."""
    measures = " + ".join(short_title(area.measure_title(m)) for m in area.balance_columns)
    text = f"Balance on {measures} · ±{tolerance():.0%}"
    if area.scenarios:
        text += f" · growth: {area.scenario.name}" if area.scenario is not None else " · no growth scenario"
    return text


def balance_settings(area: StudyArea) -> None:
    """The settings in force in one line, and the balance tolerance, the measures balanced on and the growth scenario
    in a section drawn only when opened (a first visit loads no slider or multiselect code)."""
    st.caption(_md(balance_summary(area)))
    # a fixed title: Streamlit takes an expander's title as part of its identity, so a changing one closes it
    section = st.expander("Change balance or growth" if area.scenarios else "Change balance", key="balance_settings",
                          on_change="rerun")
    if not section.open:
        return
    st.session_state.setdefault("tolerance_pct", DEFAULT_TOLERANCE_PCT)  # the slider shows it (tolerance() reads it)
    options = list(area.attributes.columns)
    chosen = st.session_state.get("balance_on", [area.population_column])
    kept = [m for m in chosen if m in options]  # another study area has other measures
    st.session_state.balance_on = kept if kept or not chosen else [area.population_column]
    if st.session_state.get("scenario") not in (None, *area.scenarios):
        st.session_state.scenario = None
    with section:
        st.slider("Balance tolerance (± % of an equal share)", 1, 25, key="tolerance_pct",
                  help="The band on the balance chart and the default maximum deviation for proposals.")
        st.multiselect("Balance on", options, key="balance_on", format_func=area.measure_title,
                       help="Judge balance on residents or on need (children 0–15, people 65+, registered patients, "
                            "deprivation). With several, a plan's balance is its largest deviation over them and "
                            "the tolerance applies to each.")
        if area.scenarios:
            st.selectbox("Growth scenario", [None, *area.scenarios], key="scenario",
                         format_func=lambda s: "None (2021 residents)" if s is None else s,
                         help="Adds a scenario's residents (an assumption from council statements, not a "
                              "projection); charts and key figures then show the base and the scenario side by side.")


LAYER_TICKS = {"current": "layer_current", "pcn": "layer_pcn", "practices": "layer_practices",
               "names": "layer_names", "street": "layer_street"}
# Map layer choices kept in the address (?layers=…), so a reload shows the same layers.


LAYER_DEFAULTS = {"current": True, "pcn": False, "practices": False, "names": True, "street": False}


def chosen_layers() -> dict[str, bool]:
    """The map layers ticked in the sidebar: each box's state once drawn, else as the address says or the default
    (the sidebar is drawn after the page, so the maps read the boxes' state rather than the boxes)."""
    return {name: bool(st.session_state.get(key, layer_tick(name)))
            for name, key in LAYER_TICKS.items()}


def layer_tick(name: str) -> bool:
    """Whether a map layer starts ticked: as the address says (a reload keeps the planner's choice), else its default."""
    saved = st.query_params.get("layers")
    return LAYER_DEFAULTS[name] if saved is None else name in saved.split(",")


def remember_layer_ticks(layers: dict) -> None:
    text = ",".join(name for name in LAYER_TICKS if layers.get(name)) or "none"
    if st.query_params.get("layers") != text:
        st.query_params["layers"] = text


# --- views ----------------------------------------------------------------------------------------------

def edit_view(area: StudyArea, session: EditSession | None) -> None:
    if session is None:
        st.info("This study area has no current localities to start from. Use **Propose** to generate options, "
                "or **Bring data** to import a plan (a CSV of ward code and locality).")
        return
    plan = session.plan
    evaluation = evaluate(area, plan)
    selected = st.session_state.get("selected_ward")
    selected = selected if selected in area.ids else None

    left, right = st.columns([2.1, 1], gap="medium")
    with left:
        result = show_map(area, plan, "edit_map", highlight=(selected,) if selected else (), clickable=True)
        take_click(area, result)
        if area.scenario is not None:
            scenario_figures(area, plan, evaluation)
        else:
            key_figures(evaluation)
    with right:
        st.markdown(f"**{_md(plan.name)}** · {plan.k} localities")
        st.caption("Click a ward on the map (or pick it below) to move it to another locality.")
        ward_panel(area, session, selected)
        for message in views.contiguity_warnings(area, evaluation):
            st.warning(_md(message))
        broken = session.broken_locks()
        if broken:
            st.warning("Some locked wards are not in their locked locality in this plan: "
                       + ", ".join(f"{_md(area.unit_names[u])} (locked to {_md(loc)})" for u, loc in broken.items()) + ".")
        if area.scenario is None:
            balance_panel(area, plan, evaluation)
        ranking_panel(area, plan)
    if area.scenario is not None:  # base and scenario side by side need the full width
        balance_panel(area, plan, evaluation)

    # only the open tab is drawn (a first visit has less to load: about 0.2 s, within the noise); opening Export
    # starts drawing the briefing pack in the background while the planner reads the buttons
    parts = {"Localities": lambda: st.html(locality_table_html(views.locality_table(area, evaluation))),
             "Wards (edit in a table)": lambda: ward_table(area, session),
             "PCNs × localities": lambda: pcn_matrix(area, evaluation),
             "Continuity": lambda: continuity(area, evaluation),
             "Export": lambda: downloads(area, plan, "edit_dl", ahead=EXPORT_AHEAD)}
    for tab, draw in zip(st.tabs(list(parts), key="edit_tabs", on_change="rerun"), parts.values()):
        with tab:
            if tab.open:
                draw()
    notes(area)


def ward_panel(area: StudyArea, session: EditSession, selected: str | None) -> None:
    """Pick a ward, then move it to a locality (or a new one) or lock it."""
    plan = session.plan
    names = {u: f"{area.unit_names[u]} ({u})" for u in sorted(area.ids, key=lambda u: area.unit_names[u])}

    def pick() -> None:
        st.session_state.selected_ward = st.session_state.get("ward_pick")
        st.session_state.last_click = None  # a later click on the map counts again

    st.selectbox("Ward", list(names), format_func=names.get, index=None, key="ward_pick", on_change=pick,
                 placeholder="Click the map or choose a ward")
    if selected is None:
        return
    locality = plan.assignment[selected]
    locked = session.locks.get(selected)
    st.markdown(f"**{_md(str(area.unit_names[selected]))}**: {area.population[selected]:,.0f} residents, "
                f"now in **{_md(locality)}**" + (f" · locked to {_md(locked)}" if locked else ""))
    move, lock = st.columns([3, 2], vertical_alignment="bottom")
    options = list(plan.localities)
    # after any change (a move, Undo, Redo) the box shows the ward's locality again, not the last target
    # (set through session state, so the box in the browser changes too)
    if st.session_state.get("move_to_version") != (selected, session.version) \
            or st.session_state.get(f"move_to_{selected}") is None:
        st.session_state[f"move_to_{selected}"] = locality
        st.session_state.move_to_version = (selected, session.version)
    target = move.selectbox("Move to", options, index=None, key=f"move_to_{selected}",
                            accept_new_options=True, disabled=bool(locked),
                            help="Pick a locality, or type a new name to start a new locality.")
    move.button("Move ward", key="move_ward", type="primary", disabled=bool(locked) or target == locality,
                on_click=act, args=(session, "moving the ward", session.move, area, {selected: target}))
    if locked:
        lock.button("Unlock", key="lock_ward", icon=":material/lock_open:", on_click=act, args=(session, "unlocking", session.unlock, [selected]))
    else:
        lock.button("Lock here", key="lock_ward", icon=":material/lock:", help="Locked wards stay put in edits and proposals.",
                    on_click=act, args=(session, "locking", session.lock, [selected]))


def ward_table(area: StudyArea, session: EditSession) -> None:
    """Every ward in an editable table: change a locality or tick Locked; each change can be undone."""
    plan = session.plan
    st.caption(_md(views.lock_summary(area, session.locks)))
    config = st.column_config
    edited = st.data_editor(
        views.ward_table(area, plan, session.locks), key=f"ward_table_{session.version}", hide_index=True,
        width="stretch", num_rows="fixed",
        height=35 * (len(plan.unit_ids) + 1) + 3,
        disabled=["Code", "Ward", "Residents", "Current (inferred)"],
        column_config={"Locality": config.SelectboxColumn(options=list(plan.localities), required=True),
                       "Locked": config.CheckboxColumn(help="Locked wards stay in their locality in edits and "
                                                            "proposals."),
                       "Residents": config.NumberColumn(format="localized")})
    moves, locks = views.table_edits(plan, session.locks, edited)
    if moves or locks != dict(session.locks):
        unlocked_moves = {u: loc for u, loc in moves.items() if u not in locks or u not in session.locks}
        if unlocked_moves:
            act(session, "moving wards", session.move, area, unlocked_moves)
        if locks != dict(session.locks):
            act(session, "changing locks", session.set_locks, locks)
        st.rerun()


def pcn_matrix(area: StudyArea, evaluation) -> None:
    matrix = views.pcn_matrix(evaluation)
    if matrix.empty:
        st.info("This study area has no PCN grouping.")
        return
    what = "Registered patients" if area.pcn.registered else "Residents"
    st.caption(f"{what} of each PCN by locality. **PCN basis: {_md(area.pcn_basis or '')}.** "
               f"{_md(area.note(area.pcn.assumption) or '')}")
    config = {loc: st.column_config.NumberColumn(format="localized") for loc in evaluation.localities}
    config[what] = st.column_config.NumberColumn(format="localized")
    config["In main locality"] = st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)
    st.dataframe(matrix, width="stretch", column_config=config)


def continuity(area: StudyArea, evaluation) -> None:
    if evaluation.wards_moved is None:
        st.info("This study area has no current localities, so continuity cannot be measured.")
        return
    st.markdown(views.continuity_sentence(evaluation))
    if evaluation.moved_wards:
        st.markdown("Wards that move: " + ", ".join(_md(str(area.unit_names[u])) for u in evaluation.moved_wards))
    matched = {new: old for new, old in evaluation.matched_to_current.items() if old}
    if matched:
        st.caption("Each locality is matched to the current locality it shares most residents with: "
                   + "; ".join(f"{_md(new)} continues {_md(old)}" for new, old in matched.items()) + ".")


def propose_view(area: StudyArea, session: EditSession | None) -> None:
    """The planner's rules and weights, the engine with a progress bar, the Pareto front and the chosen option."""
    names = {u: str(area.unit_names[u]) for u in sorted(area.ids, key=lambda u: str(area.unit_names[u]))}
    if not st.session_state.get("propose_drawn"):  # the form was not on screen in the last run
        keep_settings(PROPOSE_KEYS)
    st.session_state.propose_drawn = True
    for key, value in propose_defaults(area).items():
        st.session_state.setdefault(key, value)
    for key in ("p_together", "p_apart"):  # wards of another study area are dropped
        st.session_state[key] = [u for u in st.session_state[key] if u in names]
    with st.form("propose_form", border=True):
        st.markdown("**What should the options look like?**")
        k_col, dev_col, pcn_col, top_col = st.columns(4)
        k = k_col.number_input("Localities", 2, 8, key="p_k")
        max_dev = dev_col.slider("Largest deviation allowed (±%)", 1, 30, key="p_maxdev",
                                 help="Every locality within this share of an equal share.")
        pcn_limit = pcn_col.selectbox("PCNs that may be split", ["No limit", *range(7)], key="p_pcns",
                                      disabled=area.pcn is None)
        top = top_col.number_input("Options to list", 1, 50, key="p_top")
        st.markdown("**How much does each aim matter?** (0 = ignore)")
        weight_cols = st.columns(4)
        weights = {}
        for column, (name, label, meaning) in zip(weight_cols, WEIGHT_SLIDERS):
            weights[name] = column.slider(label, 0.0, 3.0, step=0.25, key=f"p_w_{name}", help=meaning)
        together_col, apart_col = st.columns(2)
        together = together_col.multiselect("Wards that must be in the same locality", list(names),
                                            format_func=names.get, key="p_together")
        apart = apart_col.multiselect("Wards that must be in different localities", list(names),
                                      format_func=names.get, key="p_apart")
        locks = dict(session.locks) if session is not None else {}
        st.caption((_md(views.lock_summary(area, locks)) + " Locked wards (Map & edit) stay in their locality.")
                   if locks else "Lock wards on Map & edit to keep them in a locality.")
        with st.expander("Method"):
            method_col, seed_col, budget_col = st.columns(3)
            method = method_col.radio("Search", list(METHOD_LABELS), format_func=METHOD_LABELS.get, key="p_method",
                                      help="Every plan is listed when there are few enough (exact); otherwise the "
                                           "optimiser searches (seeded, so the same seed gives the same options).")
            seed = seed_col.number_input("Seed", 0, 10**6, key="p_seed")
            budget = budget_col.number_input("Optimiser time limit (seconds)", 5, 600, key="p_budget")
        run = st.form_submit_button("Find options", type="primary", key="p_run")
    if run:
        constraints = Constraints(
            max_deviation=max_dev / 100, max_pcns_split=None if pcn_limit == "No limit" else int(pcn_limit),
            together=(tuple(together),) if len(together) > 1 else (),
            apart=(tuple(apart),) if len(apart) > 1 else (), fixed=locks)
        with friendly("finding options"):
            bar, report = progress_bar("Finding options…")
            result = propose(area, int(k), constraints, Weights(**weights), top=int(top), method=method,
                             seed=int(seed), budget_s=float(budget), progress=report)
            bar.empty()
            st.session_state.setdefault("proposals", {})[study_area_key(area)] = result
            st.session_state.p_show = 1
    result = st.session_state.get("proposals", {}).get(study_area_key(area))
    if result is not None:
        with friendly("showing the options"):
            proposal_results(area, session, result)


METHOD_LABELS = {"auto": "Best available (exact when possible)", "exhaustive": "Every plan (exact)",
                 "optimiser": "Optimiser"}


def proposal_results(area: StudyArea, session: EditSession | None, result) -> None:
    plans = result.plans
    summary = f"**{len(plans):,} plans** of {result.k} localities meet your rules."
    if result.exhaustive:
        summary += " Every possible plan was checked, so the ranking is exact"
        if result.connected_count is not None and result.connected_count != len(plans):
            summary += (f" ({result.connected_count:,} plans are within the deviation allowed; your other rules "
                        f"leave {len(plans):,})")
        summary += "."
    else:
        summary += " They come from the optimiser: good plans, but not a proof that none is better."
    summary += f" Took {result.elapsed_s:.1f} s."
    st.markdown(summary)
    for note in result.notes:
        st.caption(_md(note))
    if not len(plans):
        st.warning("No plan meets every rule. Allow a larger deviation, more split PCNs, or fewer ward rules.")
        return
    table = views.option_table(result)
    options = list(table["option"])
    if st.session_state.get("p_show") not in options:
        st.session_state.p_show = options[0]
    front = dict(zip(table["option"], table["front"]))
    chart_col, map_col = st.columns([1, 1.15], gap="medium")
    with chart_col:
        x_col, y_col = st.columns(2)
        x_name = x_col.selectbox("Across", list(AXES), index=0, key="p_x")
        y_name = y_col.selectbox("Up", list(AXES), index=1, key="p_y")
        x_key, y_key = AXES[x_name], AXES[y_name]
        frame = table.assign(kind=["top by your weights" if r else "Pareto front" for r in table["by_weights"]])

        def chosen_from_chart() -> None:
            picked = selected_option(st.session_state.get("p_chart"))
            if picked is not None:
                st.session_state.p_show = picked

        st.altair_chart(pareto_chart(frame, x_key, y_key, metric(x_key).title, metric(y_key).title,
                                     colour=views.CHART_COLOUR, colour_title=metric(views.CHART_COLOUR).short,
                                     tooltip=[alt_kind_tooltip(), *metric_tooltips(views.OPTION_METRICS)],
                                     x_format=_axis_format(x_key),
                                     y_format=_axis_format(y_key), chosen=st.session_state.p_show, height=330),
                        key="p_chart", on_select=chosen_from_chart, selection_mode=PARETO_SELECTION,
                        width="stretch")
        st.caption(f"{int(table['front'].sum())} options are on the Pareto front: no other plan is better on all "
                   "four aims at once. Click a point to show that option on the map.")
        st.selectbox("Show option", options, key="p_show",
                     format_func=lambda o: f"Option {o}" + (" · on the Pareto front" if front[o] else ""))
    plan = views.option_plan(result, table, st.session_state.p_show)
    evaluation = evaluate(area, plan)
    run_names = tuple(loc for option in views.option_plans(result, table) for loc in option.localities)
    with map_col:
        show_map(area, plan, "p_map", height=470, legend_below=True, among=run_names)
    facts, standing = st.columns([1, 1.15], gap="medium")
    with facts:
        for message in views.contiguity_warnings(area, evaluation):
            st.warning(_md(message))
        st.html(balance_bars_html(evaluation, result.constraints.max_deviation or tolerance(),
                                  locality_colours(plan.localities, among=run_names)))
    with standing:
        if session is not None:
            keep, use = st.columns(2)
            keep.button("Keep for comparing", key="p_keep", width="stretch",
                        on_click=act, args=(session, "keeping the option", lambda: flash(
                            "success", f"Kept as “{_md(session.keep(plan))}”. Find it under Compare or Open a plan.",
                            "propose")))
            use.button("Edit this option", key="p_open", type="primary", width="stretch",
                       on_click=act, args=(session, "opening the option", open_option, session, plan))
            show_flash("propose")
        if result.exhaustive:
            st.markdown(f"**Among the {len(plans):,} plans that meet your rules:**  \n"
                        + "  \n".join(_md(line) for line in views.standing_lines(result, plan)))
    key_figures(evaluation)
    columns = {"option": st.column_config.NumberColumn("Option", width="small"),
               "Pareto front": st.column_config.CheckboxColumn("On the Pareto front")}
    for key in views.OPTION_METRICS:
        columns[key] = st.column_config.NumberColumn(metric(key).title, format=_column_format(key))
    st.markdown("**All options** (1 = best by your weights)")
    st.dataframe(table.assign(**{"Pareto front": table["front"]})[["option", *views.OPTION_METRICS, "Pareto front"]],
                 hide_index=True, column_config=columns, width="stretch")
    export = st.expander("Export this option", key="p_export", on_change="rerun")
    if export.open:
        with export:
            downloads(area, plan, "p_dl", ahead=EXPORT_AHEAD)


AXES = views.CHART_AXES


def alt_kind_tooltip():
    """The tooltip row saying why an option is listed."""
    import altair as alt

    return alt.Tooltip("kind:N", title="Listed as")


def _axis_format(key: str) -> str:
    return ".1%" if "%" in metric(key).fmt else ".2f"


def _column_format(key: str) -> str:
    return "percent" if "%" in metric(key).fmt else ("%d" if "d}" in metric(key).fmt else "%.3f")


def open_option(session: EditSession, plan: Plan) -> None:
    name = session.keep(plan)
    session.open(session.library[name])
    flash("success", f"“{_md(name)}” is now the working plan (Map & edit). Undo returns to the plan you had.", "propose")


def compare_view(area: StudyArea, session: EditSession | None) -> None:
    choices = plan_choices(area, session)
    if len(choices) < 2:
        st.info("Two plans are needed to compare. Open, import or propose another plan first.")
        return
    names = list(choices)
    default_a = next((i for i, n in enumerate(names) if not n.startswith("Working plan")), 0)
    default_b = 0 if default_a != 0 else 1
    for key, default in (("cmp_a", names[default_a]), ("cmp_b", names[default_b])):
        if st.session_state.get(key) not in names:  # first visit, or the plan picked is gone or renamed
            st.session_state[key] = default
    pick_a, pick_b = st.columns(2)
    name_a = pick_a.selectbox("Plan A", names, key="cmp_a")
    name_b = pick_b.selectbox("Plan B", names, key="cmp_b")
    plan_a, plan_b = choices[name_a], choices[name_b]
    result = compare(area, plan_a, plan_b)
    moved = tuple(m.unit for m in result.moves)
    both = (*plan_a.localities, *plan_b.localities)
    map_a, map_b = st.columns(2)
    for column, plan, key, label in ((map_a, plan_a, "cmp_map_a", "A"), (map_b, plan_b, "cmp_map_b", "B")):
        with column:
            show_map(area, plan, key, title=f"{label}: {plan.name}", height=480, highlight=moved,
                     highlight_label="Ward that moves", legend_below=True, label_only=moved, among=both)
    # the whole table at once: both plans, the change and the verdict, every row, no sideways scrolling
    table = views.comparison_table(result, "A", "B")
    st.markdown(f"**Measures** · A: {_md(plan_a.name)} · B: {_md(plan_b.name)}")
    st.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3,
                 column_config={"Measure": st.column_config.TextColumn(width="large")})
    if result.moves:
        count = len(result.moves)
        st.markdown(f"**{count} {'ward changes' if count == 1 else 'wards change'} locality** "
                    f"({result.population_moved:,.0f} residents), after matching B's localities to A's:")
        st.dataframe(views.moves_table(result), hide_index=True, width="stretch",
                     column_config={"Residents": st.column_config.NumberColumn(format="localized")})
    else:
        st.success("The two plans put every ward in the same locality.")
    export = st.expander("Export these plans", key="cmp_export", on_change="rerun")
    with export:
        st.caption("The measures table and the briefing pack keep this order: option A is "
                   f"{_md(plan_a.name)}, B is {_md(plan_b.name)}"
                   + ("; today's localities are added as option C." if baseline_missing(area, (plan_a, plan_b))
                      else "."))
        if export.open:
            downloads(area, plan_b, "cmp_dl", pack=with_baseline([plan_a, plan_b], current_localities(area),
                                                                 first=False), ahead=EXPORT_AHEAD)
    notes(area)


def current_localities(area: StudyArea) -> Plan | None:
    """Today's localities (the baseline every briefing pack compares with), if the study area has them."""
    if area.current is None:
        return None
    return next(iter(reference_plans(area).values()), None)


def baseline_missing(area: StudyArea, plans: tuple[Plan, ...]) -> bool:
    baseline = current_localities(area)
    return baseline is not None and not any(p.same_assignment(baseline) for p in plans)


def data_view(area: StudyArea, session: EditSession | None) -> None:
    study, plans = st.columns(2, gap="large")
    with study:
        st.markdown("#### Study area")
        info = summary(area)
        st.markdown(f"**{_md(area.name)}**  \n{info['units']} {_md(area.manifest.unit_label)}s · "
                    f"{info['population_total']:,.0f} residents · "
                    + " · ".join(f"{_md(area.groupings[g].title)}: {n}" for g, n in info["groupings"].items()))
        for warning in area.warnings:
            st.caption(_md(str(warning)))
        bundles = available_bundles()
        chosen = st.selectbox("Bundled study areas", list(bundles), key="bundle_choice")
        if serving.shared_mode():  # a shared server never lets visitors look through its folders
            typed = ""
            st.caption("This server is shared, so other study areas come in as uploads (below), not as folders.")
        else:
            typed = st.text_input("…or a bundle folder on this computer", key="bundle_path",
                                  placeholder="/path/to/bundle (a folder with manifest.toml)")
        st.button("Open this study area", key="open_bundle", on_click=open_bundle,
                  args=(typed.strip() or str(bundles[chosen]),))
        if st.session_state.get("uploaded_area") is not None:
            st.button("Go back to the bundled study area", key="leave_upload",
                      on_click=lambda: st.session_state.update(uploaded_area=None))
        with st.expander("Any council in England"):
            council_picker()
        with st.expander("Upload ward boundaries (another area)"):
            upload_boundaries(area)
        if area.registrations is not None:
            practice_pcns(area)
    with plans:
        st.markdown("#### Import a plan")
        st.caption(f"A CSV with columns {_md(area.manifest.units.id)},locality (one row per {_md(area.manifest.unit_label)}), "
                   "or a GeoJSON / GeoPackage / zipped Shapefile of wards with a 'locality' field.")
        upload = st.file_uploader("Plan file", key="up_plan", help=f"Accepted: {FILE_TYPES_TEXT['plan']}.")
        if upload is not None:
            import_plan(area, session, upload)
        st.markdown("#### Your own PCN areas")
        st.caption("Replace the approximate PCN areas with your own: polygons with a PCN name column, or a CSV of "
                   f"{_md(area.manifest.units.id)},pcn.")
        pcn_file = st.file_uploader("PCN areas or table", key="up_pcn", help=f"Accepted: {FILE_TYPES_TEXT['plan']}.")
        column = st.text_input("Column holding the PCN name", value="pcn", key="up_pcn_column")
        pcn_crs = crs_choice("up_pcn_crs")
        if pcn_file is not None and st.button("Use these PCN areas", key="use_pcn"):
            with friendly("reading the PCN file"):
                grouping = pcn_grouping_from_upload(area, pcn_file.getvalue(), pcn_file.name, column.strip(),
                                                    crs=pcn_crs)
                overrides = st.session_state.setdefault("pcn_override", {})
                overrides[str(bundle_folder())] = with_uploaded_pcns(area, grouping)
                flash("success", f"Using {len(grouping.groups)} PCNs from {_md(pcn_file.name)} for this session.")
                st.rerun()


def practice_pcns(area: StudyArea) -> None:
    """Practices in no listed PCN: shown with their patients, and assignable to a PCN (one by one or by a CSV)."""
    st.markdown("#### Practices not in a listed PCN")
    table = views.unassigned_practices_table(area)
    st.caption(f"PCN basis: **{_md(area.pcn_basis or '')}**. {len(table)} practices with "
               f"{table['Patients here'].sum():,.0f} patients living here are in no PCN of the bundle's list; they "
               "show as “practice not in a listed PCN” and are left out of PCN nesting until you assign them.")
    st.dataframe(table, hide_index=True, width="stretch", height=220,
                 column_config={"Patients here": st.column_config.NumberColumn(format="localized")})
    assigned = st.session_state.setdefault("practice_pcns", {})
    pick, pcn_col, go = st.columns([2.2, 2, 1], vertical_alignment="bottom")
    codes = list(table["Practice code"])
    pick.selectbox("Practice", codes, key="assign_practice", format_func=lambda c: views.practice_label(
        area, c), disabled=not codes)
    pcn_col.selectbox("Assign to PCN", sorted(set(area.registrations.listed.values())), key="assign_pcn")

    def assign() -> None:  # widget values are read here: the callback runs before the page is drawn again
        code, pcn = st.session_state.get("assign_practice"), st.session_state.get("assign_pcn")
        if code and pcn:
            st.session_state.practice_pcns = {**st.session_state.get("practice_pcns", {}), code: pcn}
            flash("success", f"{views.practice_label(area, code)} is now counted in {pcn}; every figure is updated.")

    go.button("Assign", key="assign_go", on_click=assign, disabled=not codes)
    upload = st.file_uploader("…or upload a CSV of practice_code,pcn", key="up_practice_pcns",
                              help="One practice per row: its ODS code (e.g. F82019) and the PCN to count it in.")
    if upload is not None and st.button("Use these assignments", key="use_practice_pcns"):
        with friendly("reading the practice → PCN file"):
            from geo.registrations import parse_assignments

            read = parse_assignments(upload.getvalue(), upload.name, area.registrations)
            st.session_state.practice_pcns = {**st.session_state.get("practice_pcns", {}), **read}
            flash("success", f"Assigned {len(read)} practice(s) to PCNs from {upload.name} for this session.")
            st.rerun()
    if assigned:
        st.markdown("Your assignments: " + "; ".join(f"{_md(views.practice_label(area, c))} → {_md(p)}"
                                                     for c, p in assigned.items()))
        st.button("Clear my assignments", key="clear_practice_pcns",
                  on_click=lambda: st.session_state.update(practice_pcns={}))


def council_picker() -> None:
    """Build a study area for any of England's 296 districts from the national pack (offline) and switch to it."""
    choices = council_choices()
    code = st.selectbox("Council (district)", list(choices), format_func=choices.get, index=None, key="council_pick",
                        placeholder="Type a council's name…")
    units = st.radio("Building blocks", list(COUNCIL_UNITS), format_func=COUNCIL_UNITS.get, key="council_units",
                     horizontal=True)
    pcn_file = st.file_uploader("Practice → PCN list (optional)", type=["csv"], key="council_pcns",
                                help="A CSV with columns ods_code and pcn_name. Each unit then belongs to the PCN whose "
                                     "practices hold most of its residents' registrations.")
    st.caption("Census 2021 residents by LSOA; ward figures are estimates from them. Where a council's wards changed "
               "after December 2022, its May 2024 wards are rebuilt from LSOAs (approximate outlines).")
    if code and st.button("Build and open this council", key="council_open"):
        with friendly("building the council's study area"), st.spinner("Building the study area…"):
            result = council_bundle(code, units, pcn_list=pcn_file.getvalue() if pcn_file else None)
            open_bundle(str(result.path))
            for note in result.warnings:
                flash("info", _md(note))
            st.rerun()


def open_bundle(folder: str) -> None:
    """Switch to another bundle; its own working plan (or autosave) comes with it."""
    try:
        area = load_area(folder)
    except LocalignError as exc:
        flash("error", exc)
        return
    st.session_state.bundle_dir = folder
    st.session_state.uploaded_area = None
    st.session_state.selected_ward = None
    flash("success", f"Opened {_md(area.name)}.")


def import_plan(area: StudyArea, session: EditSession | None, upload) -> None:
    """Read an uploaded plan; a bad file is explained and the working plan is left untouched."""
    signature = (upload.name, upload.size, study_area_key(area))
    if st.session_state.get("imported") == signature:
        st.success(f"Imported {_md(upload.name)}. Open it from the sidebar or compare it.")
        return
    with friendly("reading the plan file"):
        plan = read_plan(area, upload.getvalue(), filename=upload.name)
        if session is None:
            session = new_session(area, plan)
        name = session.keep(plan)
        session.open(session.library[name])
        autosave(session)
        st.session_state.imported = signature
        flash("success", f"Imported “{_md(name)}” ({plan.k} localities) and opened it as the working plan. "
                         "Undo returns to the plan you had.")
        if plan.warnings:
            flash("warning", LocalignError(list(plan.warnings)))
        st.rerun()


CRS_CHOICES = {
    "Read it from the file": None,
    "British National Grid metres (EPSG:27700)": "EPSG:27700",
    "Longitude/latitude degrees (EPSG:4326)": "EPSG:4326",
}


def crs_choice(key: str) -> str | None:
    """The coordinate system to assume for an uploaded layer that carries none (None: use the file's own)."""
    label = st.selectbox("Coordinate system (only if the file has none)", list(CRS_CHOICES), key=key,
                         help="Shapefiles without a .prj file and GeoJSON files in metres carry no coordinate "
                              "system; pick the one the coordinates are in.")
    return CRS_CHOICES[label]


def upload_boundaries(area: StudyArea) -> None:
    st.caption("GeoJSON, GeoPackage or zipped Shapefile of the units, with a code, a name and residents "
               "(in the layer or in a CSV).")
    units = st.file_uploader("Boundaries", key="up_units", help=f"Accepted: {FILE_TYPES_TEXT['layer']}.")
    attributes = st.file_uploader("Residents table (optional CSV)", key="up_attrs")
    id_col, name_col, pop_col = st.columns(3)
    id_column = id_col.text_input("Code column", value=area.manifest.units.id, key="up_id")
    name_column = name_col.text_input("Name column", value=area.manifest.units.name, key="up_name")
    population = pop_col.text_input("Residents column", value="population", key="up_pop")
    units_crs = crs_choice("up_units_crs")
    if units is not None and st.button("Use these boundaries", key="use_units"):
        with friendly("reading the boundaries"):
            uploaded = study_area_from_upload(area, units.getvalue(), units.name, id_column.strip(),
                                              name_column.strip(), population.strip(),
                                              attributes.getvalue() if attributes is not None else None,
                                              attributes.name if attributes is not None else None,
                                              crs=units_crs)
            st.session_state.uploaded_area = uploaded
            st.session_state.selected_ward = None
            flash("success", f"Using {len(uploaded.ids)} units from {_md(units.name)}. Import or propose a plan for them.")
            st.rerun()


def brief(area: StudyArea, session: EditSession | None, presenting: bool) -> None:
    """The slide: title, map with legend, key figures, date, sources and assumptions."""
    if session is None:
        st.info("Open or import a plan first.")
        return
    plan = session.plan
    evaluation = evaluate(area, plan)
    title, purpose = views.brief_heading(area, plan, st.session_state.get("brief_title"),
                                         st.session_state.get("brief_purpose"))
    if not presenting:
        with st.expander("Title and purpose (shown on the slide, the PNG and the PDF)",
                         expanded=not st.session_state.get("brief_title")):
            title_col, purpose_col = st.columns([1, 2])
            title_col.text_input("Title", key="brief_title", placeholder=title, max_chars=90)
            purpose_col.text_input("Purpose (one line)", key="brief_purpose", max_chars=160,
                                   placeholder="e.g. For the health and wellbeing board: which option to consult on")
    st.markdown(f"### {_md(title)}")
    if purpose:
        st.markdown(f"**{_md(purpose)}**")
    with_scenario = "" if area.scenario is None else \
        f" (2021 residents + {area.scenario.total_added:,.0f} in the growth scenario, an assumption)"
    st.caption(f"{plan.k} localities built from {len(area.ids)} {_md(area.manifest.unit_label)}s · "
               f"{area.total_population:,.0f} residents{with_scenario} · {datetime.now():%d %B %Y}")
    map_column, facts = st.columns([2.6, 1], gap="medium")
    with map_column, st.container(key="brief_map_box"):
        show_map(area, plan, "brief_map" if presenting else "brief_preview_map", height=580 if presenting else 520,
                 layer_control=not presenting, zoom_buttons=not presenting)
    with facts:
        if area.scenario is None:
            figures = views.key_figures(evaluation)
            st.html(figures_html([(f.title, [f.value]) for f in figures], tips=[f.meaning for f in figures]))
        else:
            scenario_figures(area, plan, evaluation, compact=True)
        if area.scenario is None:
            balance_panel(area, plan, evaluation)
        for message in views.contiguity_warnings(area, evaluation):
            st.warning(_md(message))
    if area.scenario is not None:
        balance_panel(area, plan, evaluation)
    notes(area)
    if presenting:
        with st.container(key="present_leave"):
            st.button("Leave presentation view", key="present_off", icon=":material/close:",
                      on_click=lambda: st.query_params.pop("present", None))
    else:
        st.divider()
        st.caption("The briefing pack (PDF) always compares this plan with today's localities.")
        downloads(area, plan, "brief_dl", title=(st.session_state.get("brief_title") or "").strip() or None,
                  purpose=purpose or None, ahead=("pdf", "png"))


# --- page -----------------------------------------------------------------------------------------

def restored_notice(area: StudyArea) -> None:
    key = study_area_key(area)
    problems = st.session_state.get("autosave_problems", {}).get(key)
    if problems is not None:
        show_problems(problems)
    when = st.session_state.get("restored", {}).get(key)
    if when is None:
        return

    def discard() -> None:
        store().discard(key)
        st.session_state.restored.pop(key, None)
        st.session_state.sessions.pop(key, None)
        st.session_state.selected_ward = None

    def keep() -> None:
        st.session_state.restored.pop(key, None)

    with st.container(border=True):
        text, yes, no = st.columns([5, 1.3, 1.6], vertical_alignment="center")
        text.info(f"Restored your unsaved plan from {when.astimezone():%H:%M on %d %B %Y}.",
                  icon=":material/restore:")
        yes.button("Keep it", key="keep_restored", on_click=keep, width="stretch")
        no.button("Discard it", key="discard_restored", on_click=discard, width="stretch",
                  help="Start again from the current localities; the autosave is deleted.")


def require_sign_in() -> None:
    """On a shared server with sign-in configured, show nothing but a sign-in button until the visitor signs in."""
    if not serving.sign_in_required() or getattr(st.user, "is_logged_in", False):
        return
    st.title("localign")
    st.info("This planner is shared on your organisation's network. Sign in to use it.")
    provider = serving.sign_in_provider()
    st.button("Sign in", key="sign_in", type="primary", on_click=st.login, args=(provider,) if provider else ())
    st.stop()


def main() -> None:
    require_sign_in()
    browser_session()
    keep_settings()
    with friendly("preparing the map files"):
        serve_leaflet()
    area = active_area()
    session = edit_session(area)
    st.html(STYLE)
    if st.query_params.get("present") == "1":
        keep_propose_rules()
        st.html(PRESENTATION_STYLE)
        with friendly("showing the presentation view"):
            brief(area, session, presenting=True)
        return
    st.markdown(f"### localign · {_md(area.name)}")
    show_flash()
    restored_notice(area)
    tabs = st.tabs(list(VIEWS), key="view", bind="query-params")
    pages = (edit_view, propose_view, compare_view, data_view,
             lambda a, s: brief(a, s, presenting=False))
    for tab, label, page in zip(tabs, VIEWS, pages):
        with tab:
            if tab.open:
                with friendly(f"showing {label}"):
                    page(area, session)
    if not tabs[VIEWS.index("Propose")].open:
        keep_propose_rules()
    # last, so the open view (and its map) reaches the browser first; the sidebar's widgets keep their state
    sidebar(area, session)
    load_export_code()
    if serving_own_bundle():
        prepare_todays_pack(study_area_key(area), area)


main()

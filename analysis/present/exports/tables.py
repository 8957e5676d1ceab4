"""CSV exports: the ward → locality assignment (the shape Districtr and Dave's Redistricting accept) and a
metrics table for one or more plans that opens cleanly in Excel.

The metrics CSV has one row per metric and one column per plan. Values are plain numbers that Excel and
pandas read as numbers (shares as fractions, 0.0314 = 3.14%; yes/no as 1/0; no thousands separators);
the ``unit`` column says which, and formatting is left to the app and the PDF. Titles and meanings come
from analysis.metrics.definitions. After the plan measures come each locality's residents and deviation. Assumption notes, sources and the date follow
the table as trailing rows after one blank row, each a two-cell row ``note,<text>`` / ``source,<text>``,
so Excel shows them in full under the table; scripts read the table with ``nrows`` or stop at the blank
row. Files are UTF-8; the metrics CSV is written with a byte-order mark so Excel shows "—" and "±".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence

from analysis.metrics.evaluate import Evaluation, evaluate
from analysis.metrics.definitions import METRICS, metric, objective_metric
from analysis.plan.partition import Plan
from analysis.plan.io import plan_csv
from geo.bundle import StudyArea
from geo.escape import csv_rows

METRICS_CSV_ENCODING = "utf-8-sig"
"""Excel needs the byte-order mark to read a CSV as UTF-8."""


def assignment_csv(area: StudyArea, plan: Plan) -> str:
    """The plan as ``ward_code,ward_name,locality`` CSV text, one row per ward in code order."""
    return plan_csv(area, plan, with_names=True)


def locality_summary(area: StudyArea, result: Evaluation) -> str:
    """Each locality's residents and deviation in one line, e.g. 'East 68,445 (−6.2%); North …'."""
    return "; ".join(f"{loc} {result.populations[loc]:,.0f} ({result.deviations[loc]:+.1%}, "
                     f"{len(result.units[loc])} {area.manifest.unit_label}s)"
                     for loc in result.localities)


def distinct_names(plans: Sequence[Plan]) -> list[str]:
    """Plan names for column headers, numbering repeats ('Option', 'Option (2)')."""
    seen: dict[str, int] = {}
    names = []
    for plan in plans:
        seen[plan.name] = seen.get(plan.name, 0) + 1
        names.append(plan.name if seen[plan.name] == 1 else f"{plan.name} ({seen[plan.name]})")
    return names


def number(value: float | int | bool | None) -> str:
    """A value as a CSV cell that spreadsheets read as a number: 1/0 for yes/no, no separators, '' when missing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(round(float(value))))
    return repr(round(float(value), 6))


def metric_unit(key: str) -> str:
    """What a metric's numbers are, for the CSV's unit column."""
    m = metric(key)
    if m.yes_no:
        return "1 = yes, 0 = no"
    if "%" in m.fmt:
        return "fraction (0.05 = 5%)"
    if "d}" in m.fmt:
        return "count"
    if ",.0f" in m.fmt:
        return "residents"
    return "score (0 to 1)"


def metrics_rows(area: StudyArea, plans: Sequence[Plan]) -> list[list[str]]:
    """The metrics table as rows of cells: a header, one row per metric with one column per plan (numbers only),
    then each locality's residents and deviation (blank for plans without that locality)."""
    results = [evaluate(area, plan) for plan in plans]
    rows = [["metric", "key", *distinct_names(plans), "unit", "better", "meaning"]]
    rows.append(["Localities", "k", *(number(r.k) for r in results), "count", "", "number of localities"])
    ideal, populations, deviations = metric("ideal"), metric("populations"), metric("deviations")
    rows.append(["Equal share of residents", ideal.key, *(number(round(r.ideal, 1)) for r in results), "residents",
                 "", "total residents ÷ number of localities"])
    for m in METRICS:
        values = [number(r.headline().get(m.key)) for r in results]
        rows.append([m.title, m.key, *values, metric_unit(m.key), m.better, m.meaning])
    localities = list(dict.fromkeys(loc for r in results for loc in r.localities))
    for loc in localities:
        rows.append([f"Residents: {loc}", f"{populations.key}[{loc}]",
                     *(number(round(r.populations[loc], 1)) if loc in r.populations else "" for r in results),
                     "residents", "", f"residents of {loc} (estimate)"])
    for loc in localities:
        rows.append([f"Deviation: {loc}", f"{deviations.key}[{loc}]",
                     *(number(r.deviations[loc]) if loc in r.deviations else "" for r in results),
                     "fraction (0.05 = 5%)", "", f"{loc}'s difference from an equal share of residents"])
    by_measure, balance = metric("max_abs_deviation_by_measure"), objective_metric("balance")
    for measure in results[0].balance_on if results else ():  # the balance measures, each on its own row
        rows.append([f"{by_measure.title}: {area.measure_title(measure)}", f"{balance.key}_{measure}",
                     *(number(r.max_abs_deviation_by_measure[measure]) for r in results), "fraction (0.05 = 5%)",
                     "lower", by_measure.meaning])
    return rows


def trailing_notes(area: StudyArea, generated: dt.date | None = None) -> list[list[str]]:
    """Rows that follow a table: one per assumption note and source, then attribution and date."""
    rows = [["note", note] for note in area.export_notes]
    rows += [["source", source] for source in area.manifest.sources]
    rows += [["attribution", area.source_line],
             ["generated", f"{(generated or dt.date.today()).isoformat()} by localign"]]
    return rows


def csv_text(rows: list[list[str]]) -> str:
    """CSV text of a table (Excel line endings), every text cell neutralised (geo.escape.csv_rows: no formulas)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(csv_rows(rows))
    return buffer.getvalue()


def metrics_csv(area: StudyArea, plans: Plan | Sequence[Plan], generated: dt.date | None = None) -> str:
    """The metrics of one or more plans as CSV text: the table, a blank row, then the notes and sources."""
    plans = [plans] if isinstance(plans, Plan) else list(plans)
    return csv_text(metrics_rows(area, plans) + [[]] + trailing_notes(area, generated))


__all__ = ["METRICS_CSV_ENCODING", "assignment_csv", "csv_text", "metrics_csv", "metrics_rows", "trailing_notes"]

"""National runs: plan neighbourhoods for many councils at once, one independent Dask task per council.

Each task builds the council's study area from the national pack (geo.national.build_bundle, in a
temporary folder on the worker), asks for k = round(residents / target) localities, runs the optimiser
(balance first, a little compactness) and returns the localities as GeoParquet bytes with a summary row;
the machine that started the run writes every file, so workers need localign but no shared disk. A
council is done when ``councils/CODE.json`` exists: a second run skips it (resumable); failures are not
marked done, so they are tried again. ``localities.parquet``, ``summary.csv`` and ``failures.csv`` are
rewritten from every finished council at the end of each run.
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.errors import LocalignError
from geo.escape import csv_cell

DEFAULT_TARGET = 50_000
"""Residents per neighbourhood when none is given (NHS neighbourhoods serve about 30,000 to 50,000)."""
BATCH_WEIGHTS = {"balance": 1.0, "nesting": 0.0, "compactness": 0.05, "continuity": 0.0}
"""Balance first; a little compactness so outlines stay tidy. National runs have no current localities or PCNs."""
SUMMARY_COLUMNS = ("council_code", "council_name", "units", "unit_kind", "residents", "k", "ideal_residents",
                   "best_deviation", "median_deviation", "lower_bound", "seconds", "warnings")


"""Text cells starting with these are read as formulas by spreadsheets; batch CSVs prefix them with '."""


@dataclass(frozen=True)
class Task:
    """One council to plan: what to build and how long to search."""

    code: str
    units: str
    target: float
    max_deviation: float | None
    budget_s: float
    seed: int


def plan_council(task: Task) -> dict:
    """Build, plan and summarise one council (runs on a Dask worker). Returns {"status": "done", "summary": {...},
    "parquet": bytes} or {"status": "failed", "code", "reason"}: a council that fails never stops the others."""
    began = time.perf_counter()
    try:
        return _plan(task, began)
    except LocalignError as exc:
        return {"status": "failed", "code": task.code, "reason": " ".join(str(exc).split()),
                "seconds": time.perf_counter() - began}
    except Exception as exc:  # a bug on one council: report it, keep the run going
        return {"status": "failed", "code": task.code, "reason": f"internal error ({type(exc).__name__}: {exc})",
                "seconds": time.perf_counter() - began}


def _plan(task: Task, began: float) -> dict:
    import geopandas as gpd
    import numpy as np

    from analysis.solvers.optimise import Optimiser
    from analysis.constraints.rules import Constraints
    from analysis.metrics.scoring import Weights
    from geo import national
    from geo.bundle import load_bundle

    with tempfile.TemporaryDirectory(prefix="localign-batch-") as folder:
        built = national.build_bundle(task.code, Path(folder) / task.code, units=task.units)
        area = load_bundle(built.path)
        population = area.population.to_numpy(float)
        total = float(population.sum())
        n = len(area.ids)
        k = max(1, min(n, int(round(total / task.target))))
        warnings = list(built.warnings)
        bound = 0.0
        if k == 1:
            codes = np.zeros(n, dtype=np.int64)
            warnings.append(f"{total:,.0f} residents: one neighbourhood of about {task.target:,.0f} covers the council.")
        else:
            constraints = Constraints(max_deviation=task.max_deviation)
            optimiser = Optimiser(area, k, constraints=constraints, weights=Weights(**BATCH_WEIGHTS), seed=task.seed,
                                  budget_s=task.budget_s, top=1, workers=1)
            result = optimiser.solve()
            codes = np.asarray(result.codes[0], dtype=np.int64)
            if optimiser.lower_bound is not None:
                bound = optimiser.lower_bound[0]
            if not optimiser.feasible:
                warnings.append(f"no plan within ±{task.max_deviation:.1%} was found in {task.budget_s:g} s; "
                                "the best plan found is kept.")
        ideal = total / k
        pops = np.bincount(codes, weights=population, minlength=k)
        sizes = np.bincount(codes, minlength=k)
        deviation = (pops - ideal) / ideal
        width = len(str(k))
        units = area.units[["geometry"]].copy()
        units["locality"] = codes
        shapes = units.dissolve(by="locality").sort_index()
        frame = gpd.GeoDataFrame({
            "council_code": built.code, "council_name": built.name,
            "locality": [f"{built.code}-{j + 1:0{width}d}" for j in range(k)],
            "residents": pops.round().astype(np.int64), "units": sizes.astype(np.int64),
            "deviation": deviation, "unit_kind": built.unit_kind,
            "unit_codes": [" ".join(area.ids[i] for i in np.flatnonzero(codes == j)) for j in range(k)],
        }, geometry=shapes.geometry.to_numpy(), crs=area.units.crs)
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        summary = {
            "council_code": built.code, "council_name": built.name, "units": n, "unit_kind": built.unit_kind,
            "residents": int(round(total)), "k": k, "ideal_residents": round(ideal, 1),
            "best_deviation": float(np.abs(deviation).max()), "median_deviation": float(np.median(np.abs(deviation))),
            "lower_bound": bound, "seconds": round(time.perf_counter() - began, 2), "warnings": " | ".join(warnings),
        }
        return {"status": "done", "summary": summary, "parquet": buffer.getvalue()}


def council_codes(spec: str) -> list[tuple[str, str]]:
    """(code, name) of the councils named by --councils: 'all' (every district of England) or a comma-separated list
    of codes or names (each checked, so a typo stops the run before anything starts)."""
    from geo import national

    text = (spec or "").strip()
    if not text:
        raise LocalignError.single("no councils were named.", "--councils",
                                   "give 'all' or council codes such as E09000002,E09000025.")
    if text.lower() == "all":
        table = national.districts()
        return list(zip(table["code"], table["name"]))
    out, seen = [], set()
    for part in text.split(","):
        if part.strip():
            code, name = national.resolve_council(part.strip())
            if code not in seen:
                seen.add(code)
                out.append((code, name))
    return out


class BatchFolder:
    """The output folder: councils/CODE.json and CODE.parquet per finished council, and the combined files."""

    def __init__(self, out: str | Path) -> None:
        self.root = Path(out).expanduser()
        self.councils = self.root / "councils"
        try:
            self.councils.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LocalignError.single(f"the folder could not be created ({exc.strerror or exc}).", str(self.root),
                                       "choose a folder you can write to.") from None

    def done(self, code: str) -> bool:
        return (self.councils / f"{code}.json").is_file() and (self.councils / f"{code}.parquet").is_file()

    def save(self, outcome: dict) -> None:
        """Write one finished council: the parquet first, the JSON (the 'done' marker) last, each atomically."""
        code = outcome["summary"]["council_code"]
        _atomic_write(self.councils / f"{code}.parquet", outcome["parquet"])
        _atomic_write(self.councils / f"{code}.json", json.dumps(outcome["summary"], indent=1).encode("utf-8"))

    def summaries(self) -> pd.DataFrame:
        rows = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.councils.glob("*.json"))
                if (p.with_suffix(".parquet")).is_file()]
        return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))

    def combine(self, failures: Sequence[dict]) -> list[Path]:
        """Rewrite localities.parquet (every finished council), summary.csv and failures.csv."""
        import geopandas as gpd

        parts = [gpd.read_parquet(p) for p in sorted(self.councils.glob("*.parquet")) if self.done(p.stem)]
        written = []
        if parts:
            frame = pd.concat(parts, ignore_index=True)
            frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=parts[0].crs)
            path = self.root / "localities.parquet"
            frame.to_parquet(path, index=False)
            written.append(path)
        summary = self.summaries()
        path = self.root / "summary.csv"
        _atomic_write(path, _csv_bytes(summary))
        written.append(path)
        failed = pd.DataFrame(list(failures), columns=["council_code", "council_name", "reason"])
        path = self.root / "failures.csv"
        _atomic_write(path, _csv_bytes(failed))
        written.append(path)
        return written


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV with text cells that a spreadsheet would run as a formula neutralised (geo.escape.csv_cell)."""
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(csv_cell)
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@dataclass
class BatchReport:
    """What a batch run did: councils planned now, skipped (already done), failed, and the files written."""

    planned: list[str]
    skipped: list[str]
    failures: list[dict]
    written: list[Path]
    seconds: float
    workers: int


def run_batch(councils: Sequence[tuple[str, str]], out: str | Path, units: str = "lsoa",
              target: float = DEFAULT_TARGET, max_deviation: float | None = None, budget_s: float = 30.0,
              scheduler: str | None = None, workers: int | None = None, seed: int = 0,
              progress: Callable[[int, int], None] | None = None, progress_bar: bool = False) -> BatchReport:
    """Plan every council not already done in ``out`` on Dask distributed: a LocalCluster of ``workers`` processes
    (default: every core) or the existing cluster at ``scheduler`` (tcp://host:8786)."""
    from dask.distributed import Client, LocalCluster, as_completed

    if not math.isfinite(target) or target <= 0:
        raise LocalignError.single(f"--target-population {target:g} is not a number of residents.",
                                   "--target-population", "give the residents per neighbourhood, e.g. 50000.")
    if not math.isfinite(budget_s) or budget_s <= 0:
        raise LocalignError.single(f"--budget-s {budget_s:g} gives the optimiser no time.", "--budget-s",
                                   "give the seconds per council, e.g. 30.")
    folder = BatchFolder(out)
    began = time.perf_counter()
    names = dict(councils)
    skipped = [code for code, _ in councils if folder.done(code)]
    pending = [code for code, _ in councils if not folder.done(code)]
    failures: list[dict] = []
    planned: list[str] = []
    cluster = None
    n_workers = 0
    if pending:
        if scheduler:
            try:
                client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise LocalignError.single(f"no Dask scheduler answered at {scheduler} ({exc}).", "--scheduler",
                                           "start one with 'dask scheduler' and workers with 'dask worker "
                                           "tcp://HOST:8786', or leave out --scheduler to use this machine.") from None
        else:
            n_workers = workers or os.cpu_count() or 1
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        try:
            n_workers = len(client.scheduler_info().get("workers", {})) or n_workers
            tasks = [Task(code, units, float(target), max_deviation, float(budget_s), seed) for code in pending]
            futures = client.map(plan_council, tasks, pure=False, key=[f"localign-{t.code}" for t in tasks])
            bar = _bar(len(futures), len(skipped)) if progress_bar else None
            for done, future in enumerate(as_completed(futures), start=1):
                outcome = future.result()
                if outcome["status"] == "done":
                    folder.save(outcome)
                    planned.append(outcome["summary"]["council_code"])
                else:
                    failures.append({"council_code": outcome["code"], "council_name": names.get(outcome["code"], ""),
                                     "reason": outcome["reason"]})
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix_str(f"{len(failures)} failed" if failures else "")
                if progress is not None:
                    progress(done, len(futures))
            if bar is not None:
                bar.close()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    written = folder.combine(failures)
    return BatchReport(planned, skipped, failures, written, time.perf_counter() - began, n_workers)


def _bar(total: int, skipped: int):
    from tqdm import tqdm

    return tqdm(total=total, desc=f"councils ({skipped} already done)" if skipped else "councils", unit="council",
                dynamic_ncols=True)

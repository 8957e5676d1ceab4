"""Run every benchmark (`make bench`): each benchmarks/bench_*.py module has run() -> list of result rows.

Writes benchmarks/results/latest.json and benchmarks/results/latest.md (the README's performance table).
A row is a dict: {"benchmark", "measure", "value", "unit", "notes"} (notes optional).
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def machine() -> dict:
    """Describe the machine the figures come from."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": memory_gb, "python": platform.python_version(),
            "platform": platform.platform()}


def format_value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown(rows: list[dict], info: dict) -> str:
    lines = [f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB RAM, Python {info['python']}.",
             f"Produced by `make bench` on {info['date']}.", "",
             "| benchmark | measure | value | unit | notes |", "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['benchmark']} | {row['measure']} | {format_value(row['value'])} | "
                     f"{row.get('unit', '')} | {row.get('notes', '')} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    only = set(argv)
    sys.path.insert(0, str(HERE))
    rows: list[dict] = []
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem
        if only and name not in only and name.removeprefix("bench_") not in only:
            continue
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        module = importlib.import_module(name)
        produced = module.run()
        for row in produced:
            print(f"   {row['measure']}: {format_value(row['value'])} {row.get('unit', '')}", flush=True)
        rows.extend(produced)
        print(f"   ({time.perf_counter() - start:.1f} s)", flush=True)
    info = machine() | {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d")}
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if not only else "-partial"
    (RESULTS / f"latest{suffix}.json").write_text(json.dumps({"machine": info, "results": rows}, indent=2))
    (RESULTS / f"latest{suffix}.md").write_text(markdown(rows, info))
    print(f"wrote {RESULTS / f'latest{suffix}.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The model engine against a local OpenAI-compatible server: python benchmarks/model_engine.py

For each (products, concurrency) pair, writes a generated catalog nobody has translated (the
generator of read_catalog.py), starts the scripted server of tests/fake_openai.py on 127.0.0.1
with a fixed latency per request (a stand-in for a real model's answer time), and runs
`xborder build catalog.xlsx --engine openai --market amazon-de` as a user would, twice: the first
run asks the model, the second must ask nothing. Prints a table and writes model_engine.json.

Options: --latency SECONDS (default 1.0), --sizes 50x1,50x4,50x16,500x16 (products x concurrency).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fake_openai import FakeOpenAI  # noqa: E402
from read_catalog import write_xlsx  # noqa: E402


def run(folder: Path, server: FakeOpenAI, concurrency: int) -> tuple[float, int, dict]:
    env = {**os.environ, "OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "sk-benchmark"}
    env.pop("XBORDER_MEMORY", None)
    before = len(server.requests)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "xborder", "build", "catalog.xlsx", "--engine", "openai",
                           "--model", "test-model", "--market", "amazon-de", "--concurrency", str(concurrency),
                           "--quiet"], cwd=folder, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"build failed ({done.returncode}): {done.stderr}")
    report = json.loads((folder / "dist" / "report.json").read_text(encoding="utf-8"))
    return seconds, len(server.requests) - before, report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--sizes", default="50x1,50x4,50x16,500x16")
    args = parser.parse_args()
    rows = []
    print(f"{'products':>8} {'conc.':>5} {'requests':>8} {'first run':>10} {'complete':>9} {'pending':>7} "
          f"{'tokens':>9} {'rerun':>7} {'rerun req.':>10}")
    for size in args.sizes.split(","):
        products, concurrency = (int(x) for x in size.split("x"))
        server = FakeOpenAI().start()
        server.latency = args.latency
        try:
            with tempfile.TemporaryDirectory() as folder:
                folder = Path(folder)
                write_xlsx(folder / "catalog.xlsx", products)
                first, asked, report = run(folder, server, concurrency)
                second, asked_again, _ = run(folder, server, concurrency)
        finally:
            server.stop()
        totals = report["totals"]
        row = {"products": products, "concurrency": concurrency, "latency_s": args.latency, "requests": asked,
               "first_run_s": round(first, 1), "complete_listings": totals["complete_listings"],
               "listings": totals["listings"], "pending_segments": totals["pending_segments"],
               "tokens": report["usage"]["tokens"], "rerun_s": round(second, 1), "rerun_requests": asked_again}
        rows.append(row)
        print(f"{products:>8} {concurrency:>5} {asked:>8} {first:>9.1f}s {totals['complete_listings']:>4}/"
              f"{totals['listings']:<4} {totals['pending_segments']:>7} {row['tokens']:>9,} {second:>6.1f}s "
              f"{asked_again:>10}")
    out = Path(__file__).with_name("model_engine.json")
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()} cores",
                               "python": sys.version.split()[0], "runs": rows}, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()

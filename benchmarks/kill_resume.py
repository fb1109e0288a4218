"""Kill a build at random moments and check what is left: python benchmarks/kill_resume.py [ROUNDS]

Each round changes the catalog (new prices, one new product name, so the model is asked again), starts
`xborder build --engine openai` against the scripted server of tests/fake_openai.py (latency 50 ms,
4 workers), kills it with SIGKILL at a random moment of its run, and checks:
- the output folder is absent or one complete build: report.json is there and every file matches the
  SHA-256 it lists, and no staging folder is left beside it once the next build has run;
- the translation memory passes SQLite's integrity check.
A last build without a kill must then finish with every listing complete. Prints a table and writes
kill_resume.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import write_xlsx  # noqa: E402
from fake_openai import FakeOpenAI  # noqa: E402

NAMES = ["遇水变色雨伞", "数字万用表", "腐熟羊粪有机肥", "明制马面裙", "中国结挂饰", "测电笔"]


def catalog(path: Path, round_: int) -> None:
    rows = [["款号", "品名", "出厂价", "毛重(kg)", "颜色"]]
    for i in range(60):
        name = f"{NAMES[i % len(NAMES)]}{i}" + (f"（第{round_}版）" if i == round_ % 60 else "")
        rows.append([f"SKU-{i:03d}", name, 10 + round_ + i / 10, 0.3, "红色/黑色"])
    write_xlsx(path, rows)


def consistent(out: Path) -> str:
    """'' when the folder is absent or one complete build, else what is wrong."""
    if not out.exists():
        return ""
    report = out / "report.json"
    if not report.is_file():
        return "no report.json"
    checksums = json.loads(report.read_text(encoding="utf-8"))["checksums"]
    for name, digest in checksums.items():
        file = out / name
        if not file.is_file() or hashlib.sha256(file.read_bytes()).hexdigest() != digest:
            return f"{name} does not match report.json"
    extra = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - set(checksums) - {"report.json"}
    return f"files not in report.json: {sorted(extra)}" if extra else ""


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    rng = random.Random(11)
    server = FakeOpenAI().start()
    server.latency = 0.05
    results = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            (folder / "xborder.toml").write_text(
                '[project]\nmarkets = ["amazon-us", "amazon-de", "shopify"]\nengine = "openai"\n'
                '[model]\nname = "test-model"\nconcurrency = 4\n[pricing]\nfulfilment = "direct"\n'
                'freight_per_kg = "38"\n', encoding="utf-8")
            env = {**os.environ, "OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "sk-benchmark"}
            env.pop("XBORDER_MEMORY", None)
            command = [sys.executable, "-m", "xborder", "build", "catalog.xlsx", "--quiet", "--fx-date", "2026-10-30"]
            for round_ in range(1, rounds + 1):
                catalog(folder / "catalog.xlsx", round_)
                process = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL)
                delay = rng.uniform(0.2, 4.0)
                time.sleep(delay)
                finished = process.poll() is not None
                if not finished:
                    process.send_signal(signal.SIGKILL)
                process.wait()
                problem = consistent(folder / "dist")
                with sqlite3.connect(folder / ".xborder" / "memory.sqlite") as db:
                    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
                results.append({"round": round_, "killed_after_s": round(delay, 2), "finished_first": finished,
                                "output": problem or "consistent", "memory": integrity})
                print(f"round {round_:2}: killed after {delay:4.2f} s{' (had finished)' if finished else ''}: "
                      f"output {problem or 'consistent'}, memory {integrity}")
            done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
            report = json.loads((folder / "dist" / "report.json").read_text(encoding="utf-8"))
            leftovers = [p.name for p in folder.iterdir() if ".partial-" in p.name or ".old-" in p.name]
            final = {"exit": done.returncode, "listings": report["totals"]["listings"],
                     "complete": report["totals"]["complete_listings"], "output": consistent(folder / "dist")
                     or "consistent", "leftover_folders": leftovers}
            print(f"final build: exit {done.returncode}, {final['complete']} of {final['listings']} listings "
                  f"complete, output {final['output']}, leftover staging folders {leftovers}")
    finally:
        server.stop()
    bad = [r for r in results if r["output"] != "consistent" or r["memory"] != "ok"]
    out = Path(__file__).with_name("kill_resume.json")
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "rounds": results, "final": final,
                               "inconsistent_rounds": len(bad)}, indent=2) + "\n")
    print(f"{len(bad)} of {rounds} rounds left an inconsistent folder or memory; written {out}")
    sys.exit(1 if bad or final["output"] != "consistent" or leftovers else 0)


if __name__ == "__main__":
    main()

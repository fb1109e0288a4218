"""The model engine under a provider's rate limits: python benchmarks/model_limits.py

For each scenario, writes a generated catalog (the generator of read_catalog.py; a few products are
made of 香云纱, a term of the project's glossary) for three markets, starts the scripted server of
tests/fake_openai.py with rate limits (requests and tokens per minute over a sliding 60-second
window) and a latency of 0.5-1 s per request, and runs `xborder build catalog.xlsx` as a user would,
with the same limits under [model] (the scenario "unconfigured": none, so only 429s tell) and
concurrency 16:

1. the first build asks the model for every product × market; its wall time is compared with the
   bound the limits set, max(requests / rpm, tokens / tpm) minutes (target: within 15%);
2. a second build must ask nothing;
3. after one product's name is edited, only that product × the markets is asked again;
4. after the glossary's 香云纱 is edited, only the products made of it × the markets are asked again.

Prints a table and writes model_limits.json. Options: --products 80,
--scenarios requests,tokens,unconfigured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook, load_workbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fake_openai import FakeOpenAI, Reply  # noqa: E402
from read_catalog import HEADERS, rows  # noqa: E402

MARKETS = ["amazon-us", "amazon-de", "tiktok-uk"]
CONCURRENCY = 16
LATENCY = (0.5, 1.0)  # seconds per request, uniform
TERM = "香云纱"
GLOSSARY = "type,zh,en,de\nterm,香云纱,{en},{de}\n"
SCENARIOS = {  # the server's rpm and tpm (which of the two binds), and whether [model] names them
    "requests": (120, 1_000_000, True),
    "tokens": (600, 200_000, True),
    "unconfigured": (120, 1_000_000, False),  # the limit found by 429s and Retry-After alone
}


def write_catalog(path: Path, products: int) -> int:
    """The generated catalog, a few products (every 20th) made of TERM; returns how many are."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("产品")
    ws.append(["某某工厂产品报价单"])
    ws.append(HEADERS)
    made_of = 0
    for i, row in enumerate(rows(products)):
        if i % 20 == 7:
            row[3] = TERM
            made_of += 1
        ws.append(row)
    wb.save(path)
    return made_of


def rename_first_product(path: Path) -> None:
    wb = load_workbook(path)
    ws = wb["产品"]
    ws.cell(row=3, column=2).value = f"{ws.cell(row=3, column=2).value} 加厚款"
    wb.save(path)


def build(folder: Path, server: FakeOpenAI) -> dict:
    """One `xborder build` as a command: wall time, and what the server saw."""
    env = {**os.environ, "OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "sk-benchmark"}
    env.pop("XBORDER_MEMORY", None)
    before, throttled, arrivals = len(server.requests), server.throttled, len(server.arrivals)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "xborder", "build", "catalog.xlsx", "--quiet"], cwd=folder,
                          env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"build failed ({done.returncode}): {done.stderr}")
    report = json.loads((folder / "dist" / "report.json").read_text(encoding="utf-8"))
    refused = server.throttled - throttled
    times = server.arrivals[arrivals:]
    return {"seconds": seconds, "requests": len(server.requests) - before - refused, "throttled": refused,
            "tokens": report["usage"]["tokens"], "totals": report["totals"],
            "span": times[-1] - times[0] if times else 0.0}


def scenario(name: str, products: int, seed: int) -> dict:
    rpm, tpm, configured = SCENARIOS[name]
    rng = random.Random(seed)
    server = FakeOpenAI().start()
    server.rpm, server.tpm, server.window = rpm, tpm, 60.0
    server.latency = LATENCY[0]
    server.default = lambda body: Reply(delay=rng.uniform(0, LATENCY[1] - LATENCY[0]))
    try:
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            made_of = write_catalog(folder / "catalog.xlsx", products)
            (folder / "glossary.csv").write_text(GLOSSARY.format(en="Xiangyun silk", de="Xiangyun-Seide"),
                                                 encoding="utf-8")
            limits = f"requests_per_minute = {rpm}\ntokens_per_minute = {tpm}\n" if configured else ""
            (folder / "xborder.toml").write_text(
                f'[project]\nmarkets = {json.dumps(MARKETS)}\nengine = "openai"\n\n[model]\nname = "test-model"\n'
                f"concurrency = {CONCURRENCY}\n{limits}", encoding="utf-8")
            first = build(folder, server)
            warm = build(folder, server)
            rename_first_product(folder / "catalog.xlsx")
            renamed = build(folder, server)
            (folder / "glossary.csv").write_text(GLOSSARY.format(en="gambiered silk", de="Gambir-Seide"),
                                                 encoding="utf-8")
            glossary = build(folder, server)
    finally:
        server.stop()
    jobs = products * len(MARKETS)
    bound = max(first["requests"] / rpm, first["tokens"] / tpm) * 60
    return {
        "scenario": name, "products": products, "markets": MARKETS, "concurrency": CONCURRENCY,
        "latency_s": list(LATENCY), "rpm": rpm, "tpm": tpm, "window_s": 60, "limits_configured": configured,
        "requests": first["requests"], "tokens": first["tokens"],
        "bound_s": round(bound, 1), "wall_s": round(first["seconds"], 1), "ratio": round(first["seconds"] / bound, 3),
        "requests_span_s": round(first["span"], 1), "throttled": first["throttled"],
        "requests_per_job": round(first["requests"] / jobs, 3),
        "complete_listings": first["totals"]["complete_listings"], "listings": first["totals"]["listings"],
        "warm_rerun_requests": warm["requests"], "warm_rerun_s": round(warm["seconds"], 1),
        "renamed_requests": renamed["requests"], "renamed_expected": len(MARKETS),
        "renamed_throttled": renamed["throttled"],
        "glossary_requests": glossary["requests"], "glossary_expected": made_of * len(MARKETS),
        "glossary_throttled": glossary["throttled"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=80)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args()
    results = []
    print(f"{'scenario':>12} {'p×m':>7} {'rpm':>5} {'tpm':>9} {'requests':>8} {'tokens':>8} {'bound':>7} {'wall':>7} "
          f"{'ratio':>6} {'429s':>5} {'req/job':>7} {'warm':>5} {'renamed':>8} {'glossary':>9}")
    for name in args.scenarios.split(","):
        r = scenario(name, args.products, args.seed)
        results.append(r)
        print(f"{name:>12} {r['products']}×{len(MARKETS):<3} {r['rpm']:>5} {r['tpm']:>9,} {r['requests']:>8} "
              f"{r['tokens']:>8,} {r['bound_s']:>6.1f}s {r['wall_s']:>6.1f}s {r['ratio']:>6.3f} {r['throttled']:>5} "
              f"{r['requests_per_job']:>7.3f} {r['warm_rerun_requests']:>5} "
              f"{r['renamed_requests']:>3} of {r['renamed_expected']:<2} "
              f"{r['glossary_requests']:>3} of {r['glossary_expected']:<3}")
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    out = Path(__file__).with_name("model_limits.json")
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()} cores, "
                               f"{memory:.0f} GiB", "python": platform.python_version(), "runs": results},
                              indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {out}")


if __name__ == "__main__":
    main()

"""How `xborder build` grows with the catalog, beside the I/O floor.

    python benchmarks/scale.py [--sizes 1000,10000,100000]

For each size, a generated catalog (catalog_gen.py: N products, 1-9 variants each, none of their text
in the memory, so most fields stay pending as on a new factory's catalog) is built offline for six
markets, each measurement in a fresh process (wall time and peak RSS):

- build:    `build_and_write` — what `xborder build` runs — writing every export;
- floor:    the same volume of I/O and nothing else: the catalog read with python-calamine, every cell
            of the build's listings.xlsx written again with xlsxwriter (constant memory), and every
            market JSON dumped again with the same layout (the build's own output is read back first,
            outside the timing);
- baseline: what a seller would script instead: pandas.read_excel (openpyxl), a Python loop per row and
            market for a price and a title, DataFrame.to_excel (openpyxl) and to_json per market.

Prints a table and writes benchmarks/scale.json. Targets (issue 11): build within 3× the floor at 10k
and 100k products, and under 500 MB peak at 100k.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MARKETS = ["amazon-us", "amazon-de", "amazon-jp", "tiktok-uk", "shopify", "shopee-th"]
CONFIG = """
[project]
markets = {markets}
brand = "Benchmark"  # a seller sets one; without it every Amazon row has an error
[catalog]
currency = "CNY"
[pricing]
margin = "0.30"
freight_per_kg = "38"
freight_per_unit = "1.5"
freight_currency = "CNY"
fulfilment = "direct"
fx_date = "2025-01-31"
"""


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_build(catalog: Path, out: Path) -> dict:
    from xborder.build import BuildOptions, build_and_write
    from xborder.config import load_config

    config = load_config(out.parent / "xborder.toml")
    start = time.perf_counter()
    result = build_and_write([catalog], config, BuildOptions(out=out, memory=out.parent / "memory.sqlite"))
    seconds = time.perf_counter() - start
    listings = sum(c.tally.listings.total() for c in result.catalogs)
    return {"seconds": seconds, "peak_mb": peak_mb(), "listings": listings,
            "products": sum(len(c.catalog.products) for c in result.catalogs)}


def child_floor(catalog: Path, out: Path) -> dict:
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    timed = 0.0
    start = time.perf_counter()
    CalamineWorkbook.from_path(str(catalog)).get_sheet_by_index(0).to_python()
    timed += time.perf_counter() - start
    floor = tempfile.mkdtemp(dir=out.parent)
    cells = 0
    for workbook in sorted(out.glob("*.xlsx")):  # listings.xlsx and every upload sheet
        built = CalamineWorkbook.from_path(str(workbook))
        book = xlsxwriter.Workbook(os.path.join(floor, workbook.name), {
            "constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False})
        for name in built.sheet_names:
            rows = built.get_sheet_by_name(name).to_python()  # read back outside the timing
            start = time.perf_counter()
            sheet = book.add_worksheet(name)
            for number, row in enumerate(rows):
                sheet.write_row(number, 0, row)
                cells += len(row)
            timed += time.perf_counter() - start
            del rows
        start = time.perf_counter()
        book.close()
        timed += time.perf_counter() - start
    for path in sorted([*out.glob("*.csv"), *out.glob("*.txt")]):  # Shopify, WooCommerce, Amazon flat files
        dialect = "excel-tab" if path.suffix == ".txt" else "excel"
        with open(path, encoding="utf-8-sig", newline="") as handle:
            table = list(csv.reader(handle, dialect=dialect))
        start = time.perf_counter()
        with open(os.path.join(floor, path.name), "w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle, dialect=dialect).writerows(table)
        timed += time.perf_counter() - start
        del table
    for path in sorted(out.glob("*.xlf")):
        text = path.read_text(encoding="utf-8")
        start = time.perf_counter()
        Path(floor, path.name).write_text(text, encoding="utf-8")
        timed += time.perf_counter() - start
    for path in sorted(out.glob("*.json")):
        if path.name == "report.json":
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        start = time.perf_counter()
        with open(os.path.join(floor, path.name), "w", encoding="utf-8") as handle:
            handle.write('{\n  "listings": [')
            for index, item in enumerate(data["listings"]):
                line = json.dumps(item, ensure_ascii=False, sort_keys=True)
                handle.write(("\n    " if not index else ",\n    ") + line)
            handle.write("\n  ],\n" + json.dumps({"market": data["market"]}, ensure_ascii=False)[1:] + "\n")
        timed += time.perf_counter() - start
        del data
    return {"seconds": timed, "peak_mb": peak_mb(), "cells": cells}


def child_baseline(catalog: Path, out: Path) -> dict:
    import pandas as pd

    rates = {"amazon-us": ("USD", 0.138), "amazon-de": ("EUR", 0.133), "amazon-jp": ("JPY", 21.6),
             "tiktok-uk": ("GBP", 0.111), "shopify": ("USD", 0.138), "shopee-th": ("THB", 4.7)}
    folder = Path(tempfile.mkdtemp(dir=out.parent))
    start = time.perf_counter()
    frame = pd.read_excel(catalog, engine="openpyxl", header=1)
    per_market = {key: [] for key in rates}
    for row in frame.itertuples(index=False):
        cost = float(str(row[6]).lstrip("￥"))
        weight = float(row[9])
        for key, (currency, rate) in rates.items():
            landed = (cost + weight * 38 + 1.5) * rate
            per_market[key].append({"sku": row[0], "title": f"{row[1]} {row[3]} {row[2]}", "bullets": str(row[10]),
                                    "colours": row[4], "sizes": row[5], "currency": currency,
                                    "price": round(landed / 0.55, 2)})
    with pd.ExcelWriter(folder / "listings.xlsx", engine="openpyxl") as writer:
        for key, items in per_market.items():
            pd.DataFrame(items).to_excel(writer, sheet_name=key, index=False)
    for key, items in per_market.items():
        pd.DataFrame(items).to_json(folder / f"{key}.json", orient="records", force_ascii=False, indent=2)
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb()}


def run_child(kind: str, catalog: Path, out: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, str(catalog), str(out)], capture_output=True,
                          text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--baseline-up-to", type=int, default=100_000, help="skip the pandas baseline above this")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "CATALOG", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, catalog, out = args.child
        fn = {"build": child_build, "floor": child_floor, "baseline": child_baseline}[kind]
        print(json.dumps(fn(Path(catalog), Path(out))))
        return
    sys.path.insert(0, str(HERE))
    from catalog_gen import write_xlsx

    results = []
    print(f"{'products':>9} {'listings':>9} {'build s':>8} {'floor s':>8} {'ratio':>6} {'baseline s':>10} "
          f"{'build MB':>9} {'floor MB':>9} {'baseline MB':>11} {'build s/1k':>10}")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            catalog = work / "catalog.xlsx"
            write_xlsx(catalog, size)
            (work / "xborder.toml").write_text(CONFIG.format(markets=json.dumps(MARKETS)), encoding="utf-8")
            built = run_child("build", catalog, work / "dist")
            floor = run_child("floor", catalog, work / "dist")
            baseline = run_child("baseline", catalog, work / "dist") if size <= args.baseline_up_to else None
            row = {"products": size, "markets": len(MARKETS), "listings": built["listings"], "build": built,
                   "floor": floor, "baseline": baseline, "ratio": built["seconds"] / floor["seconds"]}
            results.append(row)
            print(f"{size:>9,} {built['listings']:>9,} {built['seconds']:>8.1f} {floor['seconds']:>8.1f} "
                  f"{row['ratio']:>6.2f} {baseline['seconds'] if baseline else float('nan'):>10.1f} "
                  f"{built['peak_mb']:>9.0f} {floor['peak_mb']:>9.0f} "
                  f"{baseline['peak_mb'] if baseline else float('nan'):>11.0f} "
                  f"{built['seconds'] / size * 1000:>10.2f}", flush=True)
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
               "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}
    (HERE / "scale.json").write_text(json.dumps({"date": dt.date.today().isoformat(), "machine": machine,
                                                 "markets": MARKETS, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()

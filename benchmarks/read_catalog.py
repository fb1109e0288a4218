"""Time reading a large factory catalog: python benchmarks/read_catalog.py [ROWS]

Writes a ROWS-row xlsx and csv (GBK) in a temporary folder, reads each with read_catalog
three times and prints the best wall time and the peak memory of one read.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from openpyxl import Workbook

from xborder.catalog import read_catalog

HEADERS = ["款号", "品名", "规格", "材质", "颜色", "尺码", "出厂价(元)", "起订量", "包装尺寸(cm)",
           "毛重(kg)", "卖点"]
NAMES = ["腐熟羊粪有机肥", "数字万用表", "遇水变色晴雨伞", "明制马面裙", "中国结挂饰", "云南普洱茶饼"]


def rows(count: int, seed: int = 7):
    rng = random.Random(seed)
    for i in range(count):
        yield [f"SKU-{i:05d}", f"{rng.choice(NAMES)} {i}", f"{rng.randint(1, 900)}g/袋", "聚酯纤维",
               "红色/蓝色/黑色", "S/M/L", f"￥{rng.randint(100, 50000) / 100}", f"{rng.randint(1, 50) * 10}件",
               f"{rng.randint(5, 60)}*{rng.randint(5, 40)}*{rng.randint(2, 30)}", rng.randint(5, 3000) / 1000,
               "1.完全腐熟，无臭味 2.疏松透气 3.适用于多肉、花卉"]


def write_xlsx(path: Path, count: int) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("产品")
    ws.append(["某某工厂产品报价单"])
    ws.append(HEADERS)
    for row in rows(count):
        ws.append(row)
    wb.save(path)


def write_csv(path: Path, count: int) -> None:
    lines = [",".join(HEADERS)] + [",".join(f'"{c}"' for c in row) for row in rows(count)]
    path.write_bytes("\n".join(lines).encode("gbk"))


def measure(path: Path, count: int) -> None:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        catalog = read_catalog(path)
        best = min(best, time.perf_counter() - start)
    assert len(catalog.products) == count, (len(catalog.products), catalog.problems[:3])
    tracemalloc.start()
    read_catalog(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{path.suffix:6} {count:>7,} rows  best of 3: {best:6.2f} s  "
          f"({count / best:,.0f} rows/s)  peak Python memory: {peak / 2**20:,.0f} MiB")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as folder:
        for suffix, writer in ((".xlsx", write_xlsx), (".csv", write_csv)):
            path = Path(folder) / f"catalog{suffix}"
            writer(path, count)
            measure(path, count)


if __name__ == "__main__":
    main()

"""A deterministic factory catalog of any size, for the benchmarks: python benchmarks/catalog_gen.py ROWS FILE.xlsx

The rows look like a real Chinese supplier's sheet: a title row above the header, 款号/品名/规格/材质/
颜色/尺码/出厂价/起订量/包装尺寸/毛重/卖点, names made of a product word and a model number (so every
name is a text of its own, as in a real catalog), specifications with units (500g/袋, 7件套, 1.5米),
one to three colours and sizes per product (variants), prices with ¥, MOQ with a unit, and a few
selling points from a pool. The same ROWS and seed always give the same rows.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from pathlib import Path

HEADERS = ["款号", "品名", "规格", "材质", "颜色", "尺码", "出厂价(元)", "起订量", "包装尺寸(cm)", "毛重(kg)", "卖点"]
PRODUCTS = ["腐熟羊粪有机肥", "数字万用表", "遇水变色晴雨伞", "明制马面裙", "中国结挂饰", "云南普洱茶饼",
            "不锈钢保温杯", "竹制砧板", "真丝围巾", "蓝牙耳机", "陶瓷茶具", "电烙铁", "儿童雨靴",
            "折叠收纳箱", "汉服披风", "测电笔"]
SPECS = ["{n}g/袋", "{n}ml/瓶", "{k}件套", "{m}米", "{n}g", "{k}寸", "{n}mAh", "{k}层"]
MATERIALS = ["聚酯纤维", "304不锈钢", "竹", "真丝", "ABS塑料", "陶瓷", "纯棉", "铝合金", "", ""]
COLOURS = ["红色", "蓝色", "黑色", "白色", "绿色", "粉色", "灰色", "黄色"]
SIZES = [["S", "M", "L"], ["M", "L", "XL"], ["均码"], ["大号", "小号"], []]
POINTS = ["完全腐熟，无臭味", "疏松透气", "适用于多肉、花卉", "防水防晒", "轻便易携带", "加厚耐用", "出口品质",
          "手工制作", "送礼佳品", "安全无毒", "一年质保", "可机洗"]


def rows(count: int, seed: int = 7) -> Iterator[list[object]]:
    """ROWS product rows (no header), the same for the same count and seed."""
    rng = random.Random(seed)
    for i in range(count):
        spec = rng.choice(SPECS).format(n=rng.randint(1, 900), k=rng.randint(2, 12), m=rng.randint(1, 5))
        colours = "/".join(rng.sample(COLOURS, rng.randint(1, 3)))
        yield [f"SKU-{i:06d}", f"{rng.choice(PRODUCTS)} {rng.choice('ABCDEFGH')}{i}", spec, rng.choice(MATERIALS),
               colours, "/".join(rng.choice(SIZES)), f"￥{rng.randint(100, 50000) / 100}",
               f"{rng.randint(1, 50) * 10}件",
               f"{rng.randint(5, 60)}*{rng.randint(5, 40)}*{rng.randint(2, 30)}", rng.randint(5, 3000) / 1000,
               "；".join(f"{n}.{p}" for n, p in enumerate(rng.sample(POINTS, rng.randint(2, 4)), start=1))]


def write_xlsx(path: Path, count: int, seed: int = 7) -> None:
    """The catalog as a workbook with a title row above the header (xlsxwriter, constant memory)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("产品")
    sheet.write_row(0, 0, ["某某工厂产品报价单"])
    sheet.write_row(1, 0, HEADERS)
    for number, row in enumerate(rows(count, seed), start=2):
        sheet.write_row(number, 0, row)
    book.close()


if __name__ == "__main__":
    write_xlsx(Path(sys.argv[2]), int(sys.argv[1]))

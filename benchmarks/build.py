"""Time `xborder build` on a large catalog: python benchmarks/build.py [PRODUCTS]

Writes a PRODUCTS-row catalog (the same generator as read_catalog.py: 3 colours × 3 sizes per
product), builds it offline for the five markets of examples/xborder.toml into a temporary
folder, and prints the wall time, listings per second and the size of each output.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from read_catalog import write_xlsx

from xborder.build import BuildOptions, build, write_build
from xborder.config import load_config

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    config = load_config(ROOT / "examples" / "xborder.toml")
    config.translations = []  # the example's translations do not cover generated products
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        catalog = folder / "catalog.xlsx"
        write_xlsx(catalog, count)
        options = BuildOptions(out=folder / "dist", memory=folder / "memory.sqlite")
        start = time.perf_counter()
        result = build([catalog], config, options)
        write_build(result)
        seconds = time.perf_counter() - start
        listings = len(result.listings)
        print(f"{count:,} products × {len(result.markets)} markets = {listings:,} listings in {seconds:.1f} s "
              f"({listings / seconds:,.0f} listings/s)")
        for path in sorted((folder / "dist").iterdir()):
            print(f"  {path.name:18} {path.stat().st_size / 2**20:7.1f} MiB")


if __name__ == "__main__":
    main()

"""How long a command takes to answer its help: `xborder --help`, `xborder inspect --help` and others, each in a
fresh process, against the floor of starting Python and importing click in the same run.

Usage: python benchmarks/startup.py [--runs 15] [--json startup.json]
Target (issue 24): `xborder --help` and `xborder inspect --help` within 0.3 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "floor: python -c 'import click'": [sys.executable, "-c", "import click"],
    "xborder --help": [sys.executable, "-m", "xborder.cli", "--help"],
    "xborder inspect --help": [sys.executable, "-m", "xborder.cli", "inspect", "--help"],
    "xborder price --help": [sys.executable, "-m", "xborder.cli", "price", "--help"],
    "xborder build --help": [sys.executable, "-m", "xborder.cli", "build", "--help"],
    "xborder script --help": [sys.executable, "-m", "xborder.cli", "script", "--help"],
}


def measure(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args()
    results = {}
    for name, command in COMMANDS.items():
        times = measure(command, args.runs)
        results[name] = {"median_s": round(statistics.median(times), 3), "best_s": round(min(times), 3)}
        print(f"{name:34} median {results[name]['median_s']:.3f} s   best {results[name]['best_s']:.3f} s")
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()

"""A project as a Python user holds it: its xborder.toml (or none), checked once, and what it can make.

    from xborder import Project

    project = Project.load("xborder.toml")            # or Project.load() beside the catalog, or Project()
    result = project.build(["catalog.xlsx"], markets=["amazon-de"])
    for listing in result.listings:
        print(listing.product.sku, listing.status, listing.text("title"), listing.quote.formatted)

Nothing touches the disk unless asked: `build` works on a copy of the translation memory in RAM (what it
learns is kept with commit=True) and writes files only with write_to=.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from xborder.build import BuildOptions, BuildResult, build, write_build
from xborder.catalog import Catalog, read_catalog
from xborder.config import Config, find_config, load_config
from xborder.markets import get_markets
from xborder.pricing import FxTable, Quote, quote_catalog


class Project:
    """xborder.toml's settings, validated when loaded; `build`, `prices` and `read` start from them."""

    def __init__(self, config: Config | None = None):
        self.config = config or Config()

    @classmethod
    def load(cls, path: str | Path | None = None, near: Iterable[str | Path] = ()) -> Project:
        """The project of `path` (an xborder.toml), else of xborder.toml in the current folder or beside the
        first of `near`, else the defaults; a bad setting raises ConfigError saying which and where."""
        found = find_config(Path(path) if path is not None else None, [Path(p) for p in near])
        return cls(load_config(found))

    def read(self, path: str | Path, sheet: str | None = None) -> Catalog:
        """One catalog as xborder reads it: products, columns, notes and row-level problems."""
        return read_catalog(Path(path), self.config.catalog, sheet=sheet or self.config.catalog.sheet)

    def prices(self, paths: Iterable[str | Path], markets: list[str] | None = None,
               fx_date: dt.date | None = None) -> dict[str, list[Quote]]:
        """Every product's price in every market (the project's, or `markets`), by market key."""
        chosen = get_markets(markets or self.config.markets, self.config.market_overrides)
        fx = FxTable(fx_date or self.config.fx_date, self.config.rates_file)
        products = [p for path in paths for p in self.read(path).products]
        return quote_catalog(products, chosen, self.config.pricing, fx)

    def build(self, paths: Iterable[str | Path], *, markets: list[str] | None = None, skus: list[str] | None = None,
              engine: str | None = None, write_to: str | Path | None = None, commit: bool = False,
              include_held: bool = False, fx_date: dt.date | None = None) -> BuildResult:
        """Listings (with their status, findings and prices) for every product and market. `write_to`: also
        write every file `xborder build` writes into that folder; `commit`: keep what was translated and the
        identifiers given in the project's translation memory (writing files commits too)."""
        out = Path(write_to) if write_to is not None else self.config.root / "dist"
        options = BuildOptions(out=out, markets=list(markets or []), skus=list(skus or []), engine=engine,
                               fx_date=fx_date, include_held=include_held, commit=commit or write_to is not None)
        result = build([Path(p) for p in paths], self.config, options)
        if write_to is not None:
            write_build(result)
        return result

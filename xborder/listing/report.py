"""report.json: what a build made, what it found, where the text came from, which rates it used."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

from xborder import __version__
from xborder.files import write_text
from xborder.listing.exports import dumps
from xborder.listing.model import Listing


def summarize(result) -> dict:
    """The build report as data; the only output with timestamps and timings."""
    listings = result.listings
    findings = [{"market": item.market.key, "sku": item.product.sku, **f.to_json()}
                for item in listings for f in item.all_findings]
    severities = Counter(f["severity"] for f in findings)
    rates = {}
    for item in listings:
        for rate in (item.quote.fx, item.quote.freight_fx):
            rates[(rate.base, rate.quote)] = rate.to_json()
    return {
        "xborder": __version__,
        "started_at": result.started.isoformat(timespec="seconds"),
        "seconds": round(result.seconds, 3),
        "engine": {"name": result.engine.name, "model": result.engine.model,
                   **({"structured_output": result.engine.mode} if getattr(result.engine, "mode", None) else {})},
        "usage": result.fetch.to_json(),
        "markets": [m.key for m in result.markets],
        "fx": {"date": result.fx.date.isoformat(), "rates": [rates[k] for k in sorted(rates)]},
        "catalogs": [{
            "file": str(c.path), "out": str(c.out), "products": len(c.catalog.products),
            "rows_with_errors": len({p.row for p in c.catalog.errors}),
            "problems": [p.to_json() for p in c.catalog.problems if p.severity != "info"],
            "listings": {key: len(items) for key, items in c.listings.items()},
            "pending_segments": len(c.pending), "files": [str(f) for f in c.files], "seconds": round(c.seconds, 3),
            "usage": c.usage.to_json(),
        } for c in result.catalogs],
        "unreadable": [str(error) for error in result.unreadable],
        "totals": {
            "products": sum(len(c.catalog.products) for c in result.catalogs),
            "listings": len(listings),
            "complete_listings": sum(1 for item in listings if not item.pending),
            "pending_segments": sum(len(c.pending) for c in result.catalogs),
            "provenance": provenance_totals(listings),
            "findings": {"error": severities.get("error", 0), "warning": severities.get("warning", 0)},
            "catalog_errors": len(result.problems) + len(result.unreadable),
        },
        "findings": findings,
    }


def write_report(result, out: Path) -> Path:
    """report.json, with the SHA-256 of every other file of the build: the manifest a reader checks the
    folder against (written last, so a folder with a report is a complete build)."""
    path = out / "report.json"
    report = summarize(result)
    report["checksums"] = {file.relative_to(out).as_posix(): hashlib.sha256(file.read_bytes()).hexdigest()
                           for file in sorted(out.rglob("*")) if file.is_file() and file != path}
    write_text(path, dumps(report))
    return path


def provenance_totals(listings: list[Listing]) -> dict[str, int]:
    """How many fields came from memory, glossary, templates, a model, or are pending."""
    return dict(sorted(Counter(f.provenance for item in listings for f in item.fields).items()))

"""report.json: what a build made, what it found, where the text came from, which rates it used."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xborder.version import __version__
from xborder.files import OutputError
from xborder.exports.writer import dumps, dumps_line
from xborder.listing.model import Listing
from xborder.engines.rejection import LISTING_RETRY, Rejection, top_reasons


@dataclass
class ListingTally:
    """What the report says about a catalog's listings, counted as they are made (they need not all be kept)."""

    listings: Counter[str] = field(default_factory=Counter)  # by market key
    complete: int = 0
    drafts: int = 0  # listings showing glossary terms joined in Chinese word order, to review
    provenance: Counter[str] = field(default_factory=Counter)
    severities: Counter[str] = field(default_factory=Counter)
    rates: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (base, quote) → the rate as JSON
    pending_segments: int = 0
    statuses: dict[str, Counter[str]] = field(default_factory=dict)  # market key → ready / held / pending
    reasons: dict[str, Counter[str]] = field(default_factory=dict)  # market key → why listings are held or pending
    rejected: list[tuple[str, str, Rejection]] = field(default_factory=list)  # (market, SKU, why) of rejected copies

    def add(self, listing: Listing) -> None:
        self.listings[listing.market.key] += 1
        self.complete += listing.complete
        self.drafts += listing.draft
        self.provenance.update(f.provenance for f in listing.fields)
        self.severities.update(f.severity for f in listing.all_findings)
        key = listing.market.key
        self.statuses.setdefault(key, Counter())[listing.status] += 1
        self.reasons.setdefault(key, Counter()).update(listing.hold_reasons)
        for rate in (listing.quote.fx, listing.quote.freight_fx):
            if (rate.base, rate.quote) not in self.rates:
                self.rates[(rate.base, rate.quote)] = rate.to_json()

    def add_rejection(self, listing: Listing, rejection: Rejection) -> None:
        """A listing that shows a model's copy kept as rejected (its model-rejected finding), and why."""
        self.rejected.append((listing.market.key, listing.product.sku, rejection))

    def merge(self, other: ListingTally) -> None:
        self.listings.update(other.listings)
        self.complete += other.complete
        self.drafts += other.drafts
        self.provenance.update(other.provenance)
        self.severities.update(other.severities)
        for key, counts in other.statuses.items():
            self.statuses.setdefault(key, Counter()).update(counts)
        for key, counts in other.reasons.items():
            self.reasons.setdefault(key, Counter()).update(counts)
        for pair, rate in other.rates.items():
            self.rates.setdefault(pair, rate)
        self.pending_segments += other.pending_segments
        self.rejected += other.rejected


def rejected_summary(rejected: list[tuple[str, str, Rejection]]) -> dict[str, Any]:
    """report.json's "rejected": how many listings show a model's copy kept as rejected (this run's, and earlier
    runs' not asked again), the rules broken most often, how to retry, and every rejection with its reasons."""
    return {
        "listings": len(rejected),
        "this_run": sum(not r.earlier for _, _, r in rejected),
        "earlier_runs": sum(r.earlier for _, _, r in rejected),
        "top_reasons": top_reasons((f.check for f in r.reasons) for _, _, r in rejected),
        "retry": LISTING_RETRY if rejected else "",
        "items": [{"market": market, "sku": sku, "this_run": not r.earlier, **r.to_json()}
                  for market, sku, r in sorted(rejected, key=lambda item: (item[0], item[1]))],
    }


def listing_findings(listing: Listing) -> Iterator[dict[str, Any]]:
    """The report's findings of one listing."""
    for f in listing.all_findings:
        yield {"market": listing.market.key, "sku": listing.product.sku, **f.to_json()}


def summarize(result) -> dict[str, Any]:
    """The build report as data, without the list of findings (report_findings, or the report file, has it);
    the only output with timestamps and timings."""
    total = ListingTally()
    for c in result.catalogs:
        total.merge(c.tally)
    return {
        "xborder": __version__,
        "started_at": result.started.isoformat(timespec="seconds"),
        "seconds": round(result.seconds, 3),
        "engine": {"name": result.engine.name, "model": result.engine.model,
                   **({"structured_output": result.engine.mode} if getattr(result.engine, "mode", None) else {})},
        "usage": result.fetch.to_json(),
        "markets": [m.key for m in result.markets],
        "fx": {"date": result.fx.date.isoformat(), "rates": [total.rates[k] for k in sorted(total.rates)]},
        "catalogs": [{
            "file": str(c.path), "out": str(c.out), "products": len(c.catalog.products),
            "rows_with_errors": len({p.row for p in c.catalog.errors}),
            "problems": [p.to_json() for p in c.catalog.problems if p.severity != "info"],
            "notes": [n.to_json() for n in c.catalog.notes],
            "listings": {m.key: c.tally.listings.get(m.key, 0) for m in result.markets},
            "status": {m.key: _status(c.tally, m.key) for m in result.markets},
            "pending_segments": c.tally.pending_segments, "files": [str(f) for f in c.files],
            "seconds": round(c.seconds, 3), "usage": c.usage.to_json(),
        } for c in result.catalogs],
        "unreadable": [str(error) for error in result.unreadable],
        **({"renamed": [{"catalog": catalog, "folder": folder, "instead_of": shared}
                        for catalog, folder, shared in result.renamed]} if getattr(result, "renamed", None) else {}),
        **({"batch": result.batch.to_json()} if getattr(result, "batch", None) is not None else {}),
        "rejected": rejected_summary(total.rejected),
        "totals": {
            "products": sum(len(c.catalog.products) for c in result.catalogs),
            "listings": sum(total.listings.values()),
            "complete_listings": total.complete,
            "ready_listings": sum(counts.get("ready", 0) for counts in total.statuses.values()),
            "status": {m.key: _status(total, m.key) for m in result.markets},
            "held_in_upload_files": bool(getattr(result, "include_held", False)),
            "draft_listings": total.drafts,
            "pending_segments": total.pending_segments,
            "provenance": dict(sorted(total.provenance.items())),
            "findings": {"error": total.severities.get("error", 0), "warning": total.severities.get("warning", 0)},
            "catalog_errors": len(result.problems) + len(result.unreadable),
        },
    }


def _status(tally: ListingTally, market: str) -> dict[str, Any]:
    """A market's listings by status, and why those not ready are not, most frequent first."""
    counts = tally.statuses.get(market, Counter())
    reasons = tally.reasons.get(market, Counter())
    return {"ready": counts.get("ready", 0), "held": counts.get("held", 0), "pending": counts.get("pending", 0),
            "reasons": dict(sorted(reasons.items(), key=lambda item: (-item[1], item[0])))}


def report_findings(result) -> Iterator[dict[str, Any]]:
    """Every finding of a build whose listings were kept (build(), not a streamed build)."""
    for c in result.catalogs:  # product by product, every market, as a streamed build writes them
        for made in zip(*c.listings.values()):
            for item in made:
                yield from listing_findings(item)


def write_report(result, out: Path, findings: Iterable[str] | None = None) -> Path:
    """report.json, with the SHA-256 of every other file of the build: the manifest a reader checks the
    folder against (written last, so a folder with a report is a complete build). `findings` are the
    findings already as JSON lines (a streamed build keeps them on disk); else they come from the listings.
    The findings come last, one per line."""
    path = out / "report.json"
    report = summarize(result)
    report["checksums"] = {file.relative_to(out).as_posix(): _sha256(file)
                           for file in sorted(out.rglob("*")) if file.is_file() and file != path
                           and not file.name.startswith(".")}
    lines = findings if findings is not None else (dumps_line(f) for f in report_findings(result))
    head = dumps(report)
    try:
        with open(path, "w", encoding="utf-8", newline="") as handle:  # a stage folder: swapped in whole later
            handle.write(head[:-3] + ',\n  "findings": [')  # head ends with "\n}\n"
            first = True
            for line in lines:
                handle.write(("\n    " if first else ",\n    ") + line.rstrip("\n"))
                first = False
            handle.write(("\n  " if not first else "") + "]\n}\n")
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({error.strerror})") from None
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

"""Checking outputs a person edited: every QA check of a build, run again on the review workbook."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from xborder.claims import claim_rules
from xborder.config import Config
from xborder.errors import ConfigError, InputError
from xborder.listing import qa
from xborder.listing.compose import ListingComposer
from xborder.exports.review_workbook import read_review_fields
from xborder.listing.model import ListingField
from xborder.markets import Market, get_markets
from xborder.findings import Finding
from xborder.language.glossary import Glossary
from xborder.language.project import project_glossary

_LIMITS = {"title": "title_chars", "description": "description_chars"}


@dataclass
class CheckedField:
    """One field of the review workbook and what the market's checks found in its current text."""

    market: str
    sku: str
    field: str
    text: str
    changed: bool
    findings: list[Finding] = dataclasses.field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"market": self.market, "sku": self.sku, "field": self.field, "changed": self.changed,
                "findings": [f.to_json() for f in self.findings]}


def check_outputs(dist: Path, config: Config) -> list[CheckedField]:
    """Re-run the market's checks on every field of the review workbook(s) in a build's output folder."""
    books = [dist] if dist.is_file() else sorted(dist.rglob("listings.xlsx")) if dist.is_dir() else []
    if not books:
        raise InputError("no listings.xlsx here; give the --out folder of a build or its listings.xlsx",
                         file=str(dist))
    markets: dict[str, tuple[Market, ListingComposer, Glossary]] = {}
    out = []
    for book in books:
        for reviewed in read_review_fields(book):
            if reviewed.market not in markets:
                try:
                    [market] = get_markets([reviewed.market], config.market_overrides)
                except ConfigError:
                    continue  # a market the project no longer has: nothing to check it against
                # no catalog here: the project's own certifications are what the products hold
                held = claim_rules().held(config.seller.certifications, market.country)
                markets[reviewed.market] = (market, ListingComposer(market),
                                            project_glossary(config, market).for_certificates(held))
            market, composer, glossary = markets[reviewed.market]
            name, text = reviewed.name, reviewed.current
            checked = ListingField(name, text, reviewed.source, "memory",
                                   whole_source="\n#bullet_" not in reviewed.source)
            composer.check(checked, glossary, certifications=config.seller.certifications)
            # a character the market rejects is removed by a build; in a file a person edited it is an error
            found = [replace(f, severity="error", check="banned-character") if f.check == "removed-characters"
                     else f for f in checked.findings]
            limit_key = _LIMITS.get(name) or ("bullet_chars" if name.startswith("bullet_") else "")
            found += qa.check_length(name, text, getattr(market.limits, limit_key) if limit_key else 0)
            out.append(CheckedField(reviewed.market, reviewed.sku, name, text, reviewed.changed, found))
    return out


def junit_xml(results: list[CheckedField]) -> str:
    """JUnit XML for CI systems: a test suite per market, a test case per field, a failure per error."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="xborder check")
    for market in sorted({r.market for r in results}):
        cases = [r for r in results if r.market == market]
        failing = [r for r in cases if any(f.severity == "error" for f in r.findings)]
        suite = ET.SubElement(root, "testsuite", name=market, tests=str(len(cases)), failures=str(len(failing)))
        for result in cases:
            case = ET.SubElement(suite, "testcase", classname=f"{market}.{result.sku}", name=result.field)
            errors = [f for f in result.findings if f.severity == "error"]
            if errors:
                failure = ET.SubElement(case, "failure", message=errors[0].message, type=errors[0].check)
                failure.text = "\n".join(f"{f.check}: {f.message}" for f in errors)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"

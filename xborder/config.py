"""The project file xborder.toml: where it is found and what it may say."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from xborder.files import CONTROL_CHARACTERS, real_path
from xborder.errors import ConfigError
from xborder.catalog.cells import INVISIBLE
from xborder.catalog.options import CatalogSettings
from xborder.markets import check_overrides
from xborder.settings import (HostProfile, PricingSettings, Seller, host_profile, model_settings, pricing_settings,
                              read_limits)

__all__ = ["CatalogSettings", "Config", "PricingSettings", "Seller", "find_config", "load_config", "parse_date"]

CONFIG_NAME = "xborder.toml"


DEFAULT_MARKETS = ["amazon-us"]


@dataclass
class Config:
    """A project's settings; every section has defaults, so an empty file is valid."""

    path: Path | None = None
    name: str = ""
    markets: list[str] = field(default_factory=lambda: list(DEFAULT_MARKETS))
    catalog: CatalogSettings = field(default_factory=CatalogSettings)
    pricing: PricingSettings = field(default_factory=PricingSettings)
    fx_date: dt.date | None = None
    rates_file: Path | None = None
    market_overrides: dict[str, Any] = field(default_factory=dict)
    source_language: str = "zh"
    memory: Path | None = None
    translations: list[Path] = field(default_factory=list)
    glossaries: list[Path] = field(default_factory=list)
    starter_glossaries: bool = True
    engine: str = "offline"
    seller: Seller = field(default_factory=Seller)
    model: dict[str, Any] = field(default_factory=dict)  # [model]: checked at load by xborder.settings.model_settings
    image_base_url: str = ""  # [project]: where the seller uploads the build's images/ files ('' = not given)
    host: HostProfile = field(default_factory=HostProfile)  # [scripts]: the live host's profile
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def glossary_files(self) -> list[Path]:
        """The project's glossary files: [glossary] files, else glossary.csv in the project if present."""
        if self.glossaries:
            return list(self.glossaries)
        default = self.root / "glossary.csv"
        return [default] if default.is_file() else []

    @property
    def project_glossary(self) -> Path:
        """The file `xborder glossary add/import` writes: the last of [glossary] files, else glossary.csv."""
        return self.glossaries[-1] if self.glossaries else self.root / "glossary.csv"

    @property
    def root(self) -> Path:
        """The folder relative paths in the config are resolved against."""
        return self.path.parent if self.path else Path.cwd()


def find_config(explicit: Path | None, near: list[Path] | None = None) -> Path | None:
    """--config if given, else xborder.toml in the current folder, else next to the first input."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: no such config file")
        return explicit
    candidates = [Path.cwd() / CONFIG_NAME] + [p.parent / CONFIG_NAME for p in (near or [])[:1]]
    return next((c for c in candidates if c.is_file()), None)


_MAX_CONFIG_BYTES = 1 << 20  # a project file is a page of settings; megabytes of TOML are a mistake or an attack


def load_config(path: Path | None) -> Config:
    """Read and check xborder.toml; None gives the defaults."""
    if path is None:
        return Config()
    try:
        if path.stat().st_size > _MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: {path.stat().st_size:,} bytes is no project file (at most "
                              f"{_MAX_CONFIG_BYTES:,}); glossaries and translations go in files of their own")
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    except RecursionError:
        raise ConfigError(f"{path}: tables or arrays nested too deep to be a project file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read ({error})") from None
    unknown = set(raw) - _SECTIONS
    if unknown:
        raise ConfigError(f"{path}: unknown section [{sorted(unknown)[0]}]; known: "
                          f"{', '.join(sorted(_SECTIONS))}")
    config = Config(path=path, raw=raw)
    project = raw.get("project", {})
    _check_keys(path, "project", project, {"name", "markets", "memory", "source_language", "translations",
                                           "engine", "brand", "manufacturer", "certifications", "image_base_url"})
    config.seller = _seller(path, project, raw.get("compliance", {}))
    config.engine = str(project.get("engine", "offline"))
    model = raw.get("model", {})
    if not isinstance(model, dict):
        raise ConfigError(f"{path}: [model] must be a table of settings such as name = \"gpt-4o-mini\"")
    model_settings(model, f"{path}: [model]")  # a typo here stops every command, not only a model build
    config.model = model
    config.name = str(project.get("name", ""))
    if "image_base_url" in project:
        config.image_base_url = _image_base_url(project["image_base_url"], f"{path}: [project] image_base_url")
    config.source_language = str(project.get("source_language", "zh"))
    if "memory" in project:
        config.memory = real_path(path.parent / str(project["memory"]))
    translations = project.get("translations", [])
    if not isinstance(translations, list) or not all(isinstance(t, str) for t in translations):
        raise ConfigError(f'{path}: [project] translations must be a list of TMX files such as ["memory.tmx"]')
    config.translations = [real_path(path.parent / t) for t in translations]
    glossary = raw.get("glossary", {})
    _check_keys(path, "glossary", glossary, {"files", "starter"})
    files = glossary.get("files", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ConfigError(f'{path}: [glossary] files must be a list such as ["glossary.csv"]')
    config.glossaries = [real_path(path.parent / f) for f in files]
    config.starter_glossaries = bool(glossary.get("starter", True))
    if "markets" in project:
        markets = project["markets"]
        if not isinstance(markets, list) or not markets or not all(isinstance(m, str) for m in markets):
            raise ConfigError(f'{path}: [project] markets must be a list such as ["amazon-us", "amazon-de"]')
        config.markets = markets
    config.catalog = _catalog_settings(path, raw.get("catalog", {}))
    limits = raw.get("limits", {})
    if not isinstance(limits, dict):
        raise ConfigError(f"{path}: [limits] must be a table such as cells = 20000000")
    config.catalog.limits = read_limits(limits, f"{path}: [limits]")
    pricing = dict(raw.get("pricing", {}))
    fx_date = pricing.pop("fx_date", None)
    rates_file = pricing.pop("rates_file", None)
    if fx_date is not None:
        config.fx_date = parse_date(str(fx_date), f"{path}: [pricing] fx_date")
    if rates_file is not None:
        config.rates_file = real_path(path.parent / str(rates_file))
    config.pricing = pricing_settings(pricing, where=f"{path}: [pricing]")
    overrides = raw.get("markets", {})
    if not isinstance(overrides, dict):
        raise ConfigError(f"{path}: [markets] must hold tables such as [markets.amazon-de]")
    check_overrides(overrides, path)  # a bad limit stops every command at load, used market or not
    config.market_overrides = overrides
    scripts = raw.get("scripts", {})
    if not isinstance(scripts, dict):
        raise ConfigError(f'{path}: [scripts] must be a table such as host = "female"')
    config.host = host_profile(scripts, f"{path}: [scripts]")
    return config


_SECTIONS = {"project", "catalog", "pricing", "markets", "glossary", "model", "limits", "compliance", "scripts"}


_TAG = re.compile(r"<\s*/?\s*[A-Za-z!]")  # the start of an HTML tag


def _seller(path: Path, project: dict[str, Any], compliance: dict[str, Any]) -> Seller:
    """[project] brand, manufacturer and certifications, and [compliance]'s responsible persons, manufacturer
    address and declarations (a food-contact declaration of conformity, an LFGB report: held like a certificate,
    so the product may make the claims it covers, see claims.toml [certificates])."""
    if not isinstance(compliance, dict):
        raise ConfigError(f"{path}: [compliance] must be a table such as eu_responsible_person = \"…\"")
    _check_keys(path, "compliance", compliance, {"eu_responsible_person", "uk_responsible_person",
                                                 "manufacturer_address", "declarations"})
    texts = {}
    for section, table, key in (("project", project, "brand"), ("project", project, "manufacturer"),
                                ("compliance", compliance, "eu_responsible_person"),
                                ("compliance", compliance, "uk_responsible_person"),
                                ("compliance", compliance, "manufacturer_address")):
        value = table.get(key, "")
        if not isinstance(value, str):
            raise ConfigError(f'{path}: [{section}] {key} must be text, e.g. {key} = "…"')
        # HTML tags, control and invisible characters (zero-width, bidi): never in a name a file carries as is
        if _TAG.search(value) or CONTROL_CHARACTERS.search(value) or INVISIBLE.search(value):
            raise ConfigError(f"{path}: [{section}] {key} must be plain text, as it goes into upload files unchanged: "
                              "no HTML tags, control or invisible characters")
        texts[key] = value.strip()
    certifications = project.get("certifications", [])
    if not isinstance(certifications, list) or not all(isinstance(c, str) for c in certifications):
        raise ConfigError(f'{path}: [project] certifications must be a list such as ["organic-eu", "CE"]')
    declarations = compliance.get("declarations", [])
    if not isinstance(declarations, list) or not all(isinstance(d, str) for d in declarations):
        raise ConfigError(f'{path}: [compliance] declarations must be a list such as ["food contact", "LFGB"]')
    held = dict.fromkeys(c.strip() for c in [*certifications, *declarations] if c.strip())
    return Seller(certifications=tuple(held), **texts)


def _image_base_url(value: object, where: str) -> str:
    """An http(s) address ending in '/': the upload files name each picture by it + 'images/<file>', so a
    relative or query-string address would give links that do not work."""
    example = 'e.g. image_base_url = "https://cdn.example.com/shop/"'
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be text, {example}")
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or not text.endswith("/") \
            or parts.query or parts.fragment:
        raise ConfigError(f"{where} '{value}' must be a web address starting with https:// (or http://) and ending "
                          f"in /, {example}; the build adds images/<file name> to it")
    return text


def _check_keys(path: Path, section: str, table: dict[str, Any], known: set[str]) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(f"{path}: [{section}] has no setting '{key}'; known: {', '.join(sorted(known))}")


def parse_date(text: str, what: str) -> dt.date:
    """YYYY-MM-DD or ConfigError naming `what`."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{what} '{text}' is not a date; write it as YYYY-MM-DD") from None


def _catalog_settings(path: Path, section: dict[str, Any]) -> CatalogSettings:
    settings = CatalogSettings()
    known = set(settings.__dataclass_fields__) - {"limits"}
    for key, value in section.items():
        if key not in known:
            raise ConfigError(f"{path}: [catalog] has no setting '{key}'; known: {', '.join(sorted(known))}")
        if key == "aliases":
            if not isinstance(value, dict) or not all(
                    isinstance(v, list) and all(isinstance(a, str) for a in v) for v in value.values()):
                raise ConfigError(f'{path}: [catalog.aliases] takes lists of headers, e.g. sku = ["货品编号"]')
        elif not isinstance(value, str):
            raise ConfigError(f"{path}: [catalog] {key} must be text, e.g. {key} = \"{getattr(settings, key) or ''}\"")
        setattr(settings, key, value)
    settings.currency = settings.currency.upper()
    return settings

"""The project file xborder.toml: where it is found and what it may say."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from xborder.errors import ConfigError

CONFIG_NAME = "xborder.toml"


@dataclass
class CatalogSettings:
    """[catalog]: how to read the factory's spreadsheet."""

    sheet: str | None = None
    currency: str = "CNY"
    weight_unit: str = "kg"
    length_unit: str = "cm"
    aliases: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Config:
    """A project's settings; every section has defaults, so an empty file is valid."""

    path: Path | None = None
    catalog: CatalogSettings = field(default_factory=CatalogSettings)
    raw: dict = field(default_factory=dict)

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


def load_config(path: Path | None) -> Config:
    """Read and check xborder.toml; None gives the defaults."""
    if path is None:
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read ({error})") from None
    config = Config(path=path, raw=raw)
    config.catalog = _catalog_settings(path, raw.get("catalog", {}))
    return config


def _catalog_settings(path: Path, section: dict) -> CatalogSettings:
    settings = CatalogSettings()
    known = set(settings.__dataclass_fields__)
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

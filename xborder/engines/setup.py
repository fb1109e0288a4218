"""The engine a run uses, named on the command line or in [project] engine, and the project's approved
translations loaded into the memory: what a build and a script run set up alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xborder.config import Config
from xborder.errors import ConfigError
from xborder.engines.engine import Engine
from xborder.language.memory import TranslationMemory
from xborder.language.tmx import read_tmx

ENGINES = ("offline", "openai")


def make_engine(name: str, config: Config, overrides: dict[str, Any] | None = None) -> Engine:
    """The engine named on the command line or in [project] engine, with the [model] settings."""
    if name == "offline":
        from xborder.engines.offline import OfflineEngine

        return OfflineEngine()
    if name == "openai":
        from xborder.engines.model import ModelEngine, model_settings, only_model

        settings = model_settings(config.model, "xborder.toml [model]")
        settings = model_settings(overrides or {}, "the command line", base=settings)
        note = ""
        if not settings.name:  # a local server with one model needs none named
            settings, note = only_model(settings)
        engine = ModelEngine(settings)
        engine.note = note
        return engine
    raise ConfigError(f"unknown engine '{name}'; available: {', '.join(ENGINES)}")


def import_translations(memory: TranslationMemory, paths: list[Path], source_lang: str) -> int:
    """Load the project's TMX files of approved translations into the memory; a correction a person made
    since (origin 'human') is kept. Returns how many translations were new or changed."""
    count = 0
    for path in paths:
        if not path.is_file():
            raise ConfigError(f"{path}: listed in [project] translations but not found")
        count += memory.approve_many(read_tmx(path, source_lang), "import", keep_human=True)
    return count

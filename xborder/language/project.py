"""What a project's glossaries and memory are: one place that resolves them from the config."""

from __future__ import annotations

from pathlib import Path

from xborder.files import real_path
from xborder.config import Config
from xborder.markets import Market
from xborder.language.glossary import Glossary, stack
from xborder.language.memory import TranslationMemory, memory_path


def project_glossary(config: Config, market: Market | None = None) -> Glossary:
    """Starter glossaries, the project's [glossary] files, then the market's own glossary files."""
    paths = config.glossary_files
    if market is not None:
        paths += [real_path(config.root / p) for p in market.glossaries]
    return stack(paths, include_starter=config.starter_glossaries)


def open_memory(config: Config, explicit: Path | None = None, readonly: bool = False,
                scratch: bool = False) -> TranslationMemory:
    """The project's translation memory (--memory, $XBORDER_MEMORY, [project] memory, .xborder/); `scratch`: a
    copy of it in RAM that nothing is written back from."""
    path = memory_path(explicit, config.memory, config.root)
    if scratch:
        return TranslationMemory(path, scratch=True)
    # --memory is typed by a person: a folder that does not exist is a typo; $XBORDER_MEMORY may point into a CI
    # cache folder that does not exist yet on the first run
    return TranslationMemory(path, readonly=readonly, create_folder=explicit is None)

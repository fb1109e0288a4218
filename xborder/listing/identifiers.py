"""Identifiers a marketplace keeps: variant SKUs and URL handles, given once and never moved.

A marketplace matches an upload to what it already lists by SKU (Amazon, Shopee …) or by handle
(Shopify). A variant SKU numbered by position would move when a factory reorders its colours, and a
handle made from the title would move when a translation arrives: a re-import would then duplicate
products. So a variant SKU is made from its option values (or taken from the catalog), a handle from
the first title it had, and both are kept in the translation memory's identifiers table: a later build
uses what was given before, whatever the catalog's order, its new rows or the translations since.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from functools import cache

from xborder import data
from xborder.catalog.model import Product
from xborder.listing.model import Listing
from xborder.listing.qa import check_handle_claims
from xborder.findings import Finding
from xborder.language.memory import TranslationMemory

Options = tuple[tuple[str, str], ...]  # (option key, catalog value): (('colour', '黑色'), ('size', 'M'))
VariantSku = Callable[[Product, Options], str]
HANDLE, VARIANT_SKU = "handle", "variant_sku"


def _hash(text: str, digits: int = 4) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:digits].upper()


@cache
def _sku_words() -> dict[str, str]:
    # frozen apart from the phrase bank, which grows: a word added there must not move a SKU made without it
    return dict(data.load("sku_words.toml")["words"])


def option_code(value: str) -> str:
    """An option value in SKU characters: 'XL' → 'XL', 'Navy Blue' → 'NAVY-BLUE', '黑色' → 'BLACK' (the frozen
    words of data/sku_words.toml), any other text → 4 hex digits of its hash, so it is the same every run."""
    value = value.strip()
    word = _sku_words().get(value) or value
    ascii_text = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    code = "-".join(re.findall(r"[A-Za-z0-9]+", ascii_text)).upper()
    # a value that is only partly Latin ('36码', '黑色M') keeps its hash too, so '36' and '36码' stay apart
    if not code or len(ascii_text.strip()) < len(word):
        code = f"{code}-{_hash(value)}" if code else _hash(value)
    return code


def variant_key(options: Options) -> str:
    """How a variant is named in the memory: its options as the catalog writes them ('colour=黑色|size=M')."""
    return "|".join(f"{key}={value}" for key, value in options)


def derived_variant_sku(product: Product, options: Options) -> str:
    """The variant's SKU without a memory: the catalog's own for that row, else the product's SKU and option codes."""
    given = product.variant_sku_for(dict(options))
    if given:
        return given
    return "-".join([product.sku, *(option_code(value) for _, value in options)])


class Identifiers:
    """A build's variant SKUs and handles: what the memory gave before, else made now and kept at flush()."""

    def __init__(self, memory: TranslationMemory | None):
        self.memory = memory
        self._new: list[tuple[str, str, str, str]] = []
        self._given: dict[tuple[str, str, str], str] = {}  # this build's, until flushed
        self._taken: dict[tuple[str, str], set[str]] = {}  # (kind, scope) → values given in this build

    def _known(self, kind: str, scope: str, key: str) -> str | None:
        given = self._given.get((kind, scope, key))
        if given is None and self.memory is not None:
            given = self.memory.identifier(kind, scope, key)
        return given

    def _free(self, kind: str, scope: str, value: str) -> bool:
        if value in self._taken.get((kind, scope), ()):
            return False
        return self.memory is None or not self.memory.identifier_taken(kind, scope, value)

    def _give(self, kind: str, scope: str, key: str, value: str, keep: bool = True) -> str:
        self._given[(kind, scope, key)] = value
        self._taken.setdefault((kind, scope), set()).add(value)
        if keep:
            self._new.append((kind, scope, key, value))
        return value

    def variant_sku(self, product: Product, options: Options) -> str:
        """The SKU of one variant of a product, the same in every market and every build."""
        key = variant_key(options)
        if (settled := self._given.get((VARIANT_SKU, product.sku, key))) is not None:  # another market's, this build
            return settled
        given = product.variant_sku_for(dict(options))
        if given:  # the factory's own: not kept, the catalog says it every time
            return self._give(VARIANT_SKU, product.sku, key, given, keep=False)
        known = self._known(VARIANT_SKU, product.sku, key)
        if known is not None:
            return self._give(VARIANT_SKU, product.sku, key, known, keep=False)
        sku = derived_variant_sku(product, options)
        if not self._free(VARIANT_SKU, product.sku, sku):  # '红' and '红色' are both RED: the hash tells them apart
            sku = f"{sku}-{_hash(key)}"
        return self._give(VARIANT_SKU, product.sku, key, sku)

    def fix_handle(self, listing: Listing, published: bool | None = None) -> None:
        """Give a listing the handle its product had in this market before; else a new handle ('-2', '-3' … when
        another product has it), kept from now on once it is `published` (written to an upload file: by default
        when the listing is ready). A handle kept by an earlier version that makes a claim is made anew, with a
        finding: it came from a title the checks rejected."""
        scope, key = listing.market.key, listing.product.sku
        published = listing.ready if published is None else published
        known = self._known(HANDLE, scope, key)
        if known is not None and not check_handle_claims(known, listing.market):
            listing.handle = self._give(HANDLE, scope, key, known, keep=False)
            return
        handle, number = listing.handle, 2
        while not self._free(HANDLE, scope, handle):
            handle, number = f"{listing.handle}-{number}", number + 1
        if known is not None:
            listing.findings.append(Finding("handle-changed", "warning", (
                f"the handle '{known}' kept from an earlier build makes a claim; it is now '{handle}': if the old one "
                "is live in your store, redirect it to the new one"), "handle"))
        listing.handle = self._give(HANDLE, scope, key, handle, keep=published or known is not None)

    def flush(self) -> None:
        """Keep the identifiers given since the last flush in the memory (one transaction)."""
        if self.memory is not None:
            self.memory.keep_identifiers(self._new)
            self._given.clear()  # the memory has them now: a big catalog's identifiers are not all held here
            self._taken.clear()
        self._new = []

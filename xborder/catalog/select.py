"""Which products of a catalog a run takes: a stable shard of them (CI jobs sharing a catalog) or given SKUs."""

from __future__ import annotations

import hashlib

from xborder.catalog.model import Product


def in_shard(sku: str, shard: tuple[int, int]) -> bool:
    """Whether a product belongs to shard K of N: by a hash of its SKU, so a product stays in its shard when
    the catalog is reordered or grows, and N jobs share a catalog without overlap."""
    number, count = shard
    return int.from_bytes(hashlib.blake2b(sku.encode("utf-8"), digest_size=8).digest(), "big") % count == number - 1


def select_products(products: list[Product], shard: tuple[int, int] | None = None,
                    skus: list[str] | None = None) -> tuple[list[Product], list[str]]:
    """The products of the shard (all without one) and of the SKUs (all without any), and the SKUs asked for
    that no product of the shard has."""
    if shard is not None:
        products = [p for p in products if in_shard(p.sku, shard)]
    if not skus:
        return products, []
    known = {p.sku for p in products}
    return [p for p in products if p.sku in skus], [s for s in skus if s not in known]

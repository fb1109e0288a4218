"""Reading factory catalogs: header detection, column mapping, typed values, row problems."""

from xborder.catalog.model import Catalog, ColumnMapping, EmptyCatalog, Problem, Product
from xborder.catalog.reader import read_catalog

__all__ = ["Catalog", "ColumnMapping", "EmptyCatalog", "Problem", "Product", "read_catalog"]

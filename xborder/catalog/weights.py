"""The weight of one unit, read as an export clerk reads a quotation's weight columns.

A weight cell is one unit's or one carton's. The header may say which (毛重/箱, 单品重量), the cell may
(`1.2kg/箱`), and otherwise the sheet does: a column whose weights make sensible cartons only when they are
carton weights (14.5 kg for 24 cups in a 75-litre carton) is a carton column, one whose weights make sensible
cartons only as unit weights (0.85 kg hair dryers, 20 to a 70-litre carton) is a unit column. A carton weight
is divided by the units per carton; with no count it is never taken for a unit's weight.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xborder.catalog.cells import normalize
from xborder.catalog.facts import plausible_range, sheet_facts
from xborder.catalog.model import WeightIssue
from xborder.values import Dimensions, Quantity, plain

# An export carton of goods weighs about this much per litre (plastics and textiles 0.05-0.2, metal and glass
# up to 0.5): the hypothesis whose cartons come closest to it, on a log scale, is the one the sheet means.
TYPICAL_CARTON_KG_PER_LITRE = 0.15
_PER_CARTON_CELL = re.compile(r"(?:/|每|per\s*)(?:箱|ctn|ctns|carton)|箱重", re.IGNORECASE)
_PER_UNIT_CELL = re.compile(r"(?:/|每|per\s*)(?:个|只|件|台|套|把|条|支|pcs|pc|unit|piece)(?![a-z])", re.IGNORECASE)

Note = tuple[str, str, str]  # (severity, code, message), a row's problem


@dataclass(frozen=True, slots=True)
class WeightReading:
    """One weight a row gives: net or gross, per unit, per carton or either (to be decided), from which column."""

    kind: str  # 'net' | 'gross'
    weight: Quantity
    basis: str  # 'unit' | 'carton' | 'either'
    column: str  # the column's label
    pair: bool = False  # written as a net/gross pair ('12/13')


def cell_basis(header_basis: str, text: str) -> str:
    """A cell's own word wins over its header's: '1.2kg/箱' is a carton's, '350g/个' one unit's."""
    plain_text = normalize(text)
    if _PER_CARTON_CELL.search(plain_text):
        return "carton"
    if _PER_UNIT_CELL.search(plain_text):
        return "unit"
    return header_basis


@dataclass
class RowWeights:
    """What one row says about weight, held until the sheet has said which columns are per carton."""

    readings: list[WeightReading]
    per_carton: Decimal | None
    carton: Dimensions | None
    count_from: str

    @property
    def litres(self) -> Decimal | None:
        sides = self.carton.in_cm() if self.carton is not None else None
        return sides[0] * sides[1] * sides[2] / 1000 if sides else None

    @property
    def empty_carton_kg(self) -> Decimal | None:
        sides = self.carton.in_cm() if self.carton is not None else None
        if not sides:
            return None
        area = 2 * (sides[0] * sides[1] + sides[0] * sides[2] + sides[1] * sides[2]) / 10000
        return area * sheet_facts().empty_carton_kg_per_m2


def column_bases(rows: list[RowWeights]) -> dict[str, str]:
    """For each column with weights of no stated basis, 'carton' or 'unit' as its rows' cartons show; a column no
    row can judge (no carton size and count beside it) is left out."""
    distance: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])  # column → [as unit, as carton]
    for row in rows:
        litres = row.litres
        if row.per_carton is None or not litres:
            continue
        empty = row.empty_carton_kg
        for reading in row.readings:
            kg = reading.weight.in_kg()
            if reading.basis != "either" or kg is None or kg <= 0:
                continue
            as_unit = float(kg * row.per_carton / litres)
            as_carton = float(kg / litres)
            score = distance[reading.column]
            score[0] += abs(math.log(as_unit / TYPICAL_CARTON_KG_PER_LITRE))
            score[1] += abs(math.log(as_carton / TYPICAL_CARTON_KG_PER_LITRE))
            if reading.kind == "gross" and empty is not None and kg < empty:
                score[1] += 100  # a carton cannot weigh less than the empty box
    return {column: "carton" if as_carton < as_unit else "unit" for column, (as_unit, as_carton) in distance.items()}


def settle(values: dict[str, Any], row: RowWeights, bases: dict[str, str]) -> list[Note]:
    """Put one unit's net and gross weight into `values` (with `weight_basis`, or a `weight_issue`) from the
    row's readings, the columns' bases and the units per carton. Returns the row's notes."""
    notes: list[Note] = []
    per_carton, litres = row.per_carton, row.litres
    unit: dict[str, tuple[Quantity, str]] = {}
    carton: dict[str, tuple[Quantity, str]] = {}
    boxed: list[WeightReading] = []
    moved: list[WeightReading] = []
    # explicit unit readings first: '单个重量 145 g' wins over a carton's 7.2 kg ÷ 48
    for reading in sorted(row.readings, key=lambda r: r.basis != "unit"):
        basis = reading.basis
        if basis == "either":
            basis = bases.get(reading.column) or ("carton" if reading.pair and row.carton is not None else "unit")
            if basis == "carton":
                boxed.append(reading)
        elif basis == "unit" and per_carton is not None and litres:
            kg = reading.weight.in_kg()
            # as many units as the carton holds would be denser than water: the column is per carton
            if kg is not None and kg * per_carton / litres > 1 and kg / litres <= 1:
                basis = "carton"
                moved.append(reading)
        target = carton if basis == "carton" else unit
        target.setdefault(reading.kind, (reading.weight, reading.column))
    if boxed:
        shown = "/".join(str(r.weight) for r in boxed)
        why = "its column's weights fit their cartons only as carton weights" if boxed[0].column in bases else \
            "a net/gross pair beside a carton size, as in a packing list"
        notes.append(("info", "weight-per-carton", f"{shown} in {boxed[0].column} read as the weight of a carton "
                      f"({why})" + (f": {'/'.join(_per_unit(r.weight, per_carton) for r in boxed)} per unit"
                                    if per_carton else "")))
    if moved:
        assert per_carton is not None  # only a count moves a unit's weight to the carton
        shown = "/".join(str(r.weight) for r in moved)
        notes.append(("warning", "weight-per-carton",
                      f"{shown} read as the weight of a carton: {plain(per_carton)} units that heavy would not fit "
                      f"in a {row.carton} carton; {'/'.join(_per_unit(r.weight, per_carton) for r in moved)} per unit"))
    basis_text: dict[str, str] = {}
    for kind, (weight, column) in unit.items():
        values[f"{kind}_weight"] = weight
        in_carton = f" (a carton of {plain(per_carton)} would weigh {_times(weight, per_carton)})" \
            if per_carton is not None and row.carton is not None else ""
        basis_text[kind] = f"{weight} from {column}, one unit's{in_carton}"
    for kind, (weight, column) in carton.items():
        values[f"carton_{kind}_weight"] = weight
        if kind in unit:
            continue
        if per_carton is None:
            if "weight_issue" not in values:
                message = (f"{weight} in {column} is the weight of a carton, but the sheet gives no units per "
                           "carton, so one unit's weight is unknown and the price is unconfirmed: add 装箱数 (PCS/CTN) "
                           "or write the count in the packing cell (24pcs/ctn)")
                values["weight_issue"] = WeightIssue("carton-weight-without-quantity", message)
                notes.append(("warning", "carton-weight-without-quantity", message))
            continue
        values[f"{kind}_weight"] = Quantity((weight.value / per_carton).quantize(Decimal("0.0001")), weight.unit)
        basis_text[kind] = (f"{weight} per carton in {column} ÷ {plain(per_carton)} units per carton"
                            + (f" ({row.count_from})" if row.count_from else ""))
    content = values.get("net_content")
    if content is not None and values.get("net_weight") is None:
        if content.unit == "ml":
            values["net_weight"] = Quantity(content.value / 1000, "kg")
            notes.append(("info", "weight-from-volume",
                          f"net weight estimated from {content} at 1 kg per litre; give 净重 if it differs"))
            basis_text["net"] = f"{content} at 1 kg per litre from the net content"
        else:
            values["net_weight"] = content
            basis_text["net"] = f"{content} from the net content"
    settled = "gross" if values.get("gross_weight") is not None else "net"
    if values.get(f"{settled}_weight") is not None:
        values["weight_basis"] = basis_text.get(settled)
        notes += _plausibility(values, values[f"{settled}_weight"])
    return notes


def _plausibility(values: dict[str, Any], weight: Quantity) -> list[Note]:
    """A unit weight outside what one unit of the product's kind can weigh (a 13 kg umbrella)."""
    kg = weight.in_kg()
    known = plausible_range(values.get("name"), values.get("name_en"), values.get("category"))
    if kg is None or known is None or known.min_kg <= kg <= known.max_kg or "weight_issue" in values:
        return []
    if kg > known.max_kg:
        message = (f"one unit weighs {plain(kg.quantize(Decimal('0.001')))} kg, more than a {known.kind} weighs "
                   f"({plain(known.max_kg)} kg at most): is it a carton's weight? Add 装箱数 (PCS/CTN) or give one "
                   "unit's weight; the price stays unconfirmed until then")
    else:
        message = (f"one unit weighs {plain(kg.quantize(Decimal('0.0001')))} kg, less than a {known.kind} weighs "
                   f"({plain(known.min_kg)} kg at least): is the weight in grams, or divided once too often? The "
                   "price stays unconfirmed until the weight is fixed")
    values["weight_issue"] = WeightIssue("weight-implausible", message)
    return [("warning", "weight-implausible", message)]


def _per_unit(weight: Quantity, count: Decimal) -> str:
    return f"{plain((weight.value / count).quantize(Decimal('0.001')))} {weight.unit}"


def _times(weight: Quantity, count: Decimal) -> str:
    return f"{plain((weight.value * count).quantize(Decimal('0.01')))} {weight.unit}"

"""Parse one spreadsheet cell into a typed value: money, weight, dimensions, options, counts."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from xborder import data
from xborder.files import CONTROL_CHARACTERS
from xborder.values import Dimensions, Money, Quantity, plain


class CellError(ValueError):
    """The cell's text cannot be read as the column's kind; the message says what to write."""


def _invisible_pattern() -> re.Pattern[str]:
    parts = []
    for item in data.load("invisible.toml")["ranges"]:
        first, _, last = item.partition("-")
        parts.append(f"\\u{int(first, 16):04x}" + (f"-\\u{int(last, 16):04x}" if last else ""))
    return re.compile("[" + "".join(parts) + "]")


# bidi controls and zero-width characters (xborder/data/invisible.toml): removed from text, a row error in a SKU
INVISIBLE = _invisible_pattern()
IDENTIFIER_FIELDS = frozenset(data.load("invisible.toml")["identifier_fields"])


def invisible_names(text: str) -> list[str]:
    """The invisible and control characters in text, named: ['U+202E RIGHT-TO-LEFT OVERRIDE', 'U+0000']."""
    found = dict.fromkeys(INVISIBLE.findall(text) + CONTROL_CHARACTERS.findall(text))
    return [f"U+{ord(ch):04X} {unicodedata.name(ch, '')}".strip() for ch in found]


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower case, collapsed spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def to_text(value: object) -> str:
    """A cell value as text: whole floats without '.0', dates as ISO, text stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return plain(Decimal(repr(value)))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return INVISIBLE.sub("", CONTROL_CHARACTERS.sub("", str(value))).strip()


@dataclass(frozen=True)
class UnitTables:
    currencies: dict[str, str]
    weight: dict[str, tuple[str, Decimal]]
    length: dict[str, tuple[str, Decimal]]
    volume: dict[str, tuple[str, Decimal]]
    power: dict[str, tuple[str, Decimal]]
    count: dict[str, str]


@cache
def unit_tables() -> UnitTables:
    """The alias → unit tables of data/units.toml."""
    raw = data.load("units.toml")

    def measure(section: str) -> dict[str, tuple[str, Decimal]]:
        return {normalize(alias): (spec["unit"], Decimal(spec["factor"]))
                for spec in raw[section].values() for alias in spec["aliases"]}

    return UnitTables(
        currencies={normalize(a): code for code, aliases in raw["currencies"].items() for a in aliases},
        weight=measure("weight"),
        length=measure("length"),
        volume=measure("volume"),
        power=measure("power"),
        count={normalize(a): unit for unit, aliases in raw["count"].items() for a in aliases},
    )


def unit_hint(text: str) -> str | None:
    """Classify a header's unit hint ('kg', 'USD', '元', 'USD/pc', '长*宽*高cm') as a currency code or
    unit, else None."""
    key = normalize(text)
    tables = unit_tables()
    # '美元/个', 'USD/pc': a price per piece is still in USD; '长*宽*高 cm', 'L×W×H mm': sides in cm/mm
    for candidate in (key, _strip_per_unit(key), re.sub(r"^(?:[长宽高lwh]\s*[*x×]?\s*){3}", "", key)):
        if candidate in tables.currencies:
            return tables.currencies[candidate]
        for table in (tables.weight, tables.length, tables.volume, tables.power):
            if candidate in table:
                return candidate
    return None


_NUMBER = r"[-+]?\d[\d,']*(?:\.\d+)?(?:,\d+)?"


class NumberRangeError(CellError):
    """A number too large or too finely divided to be a real cost, weight or size."""


LARGEST = Decimal(10) ** 9  # no cost, weight or size on a product row is this large: a typo or a planted value
SMALLEST = Decimal("0.000001")


def _shown(text: str, most: int = 24) -> str:
    """A cell's text as a message quotes it: a 300-digit number is cut, not printed whole."""
    return text if len(text) <= most else f"{text[:most - 8]}…{text[-6:]} ({len(text):,} characters)"


def parse_number(text: str) -> Decimal:
    """'1,234.5' '1.234,56' '3,50' '25.8' → Decimal; raises CellError otherwise."""
    raw = text.replace(" ", "").replace("'", "")
    if "," in raw and "." in raw:
        # whichever separator comes last is the decimal one
        raw = raw.replace(".", "").replace(",", ".") if raw.rfind(",") > raw.rfind(".") \
            else raw.replace(",", "")
    elif "," in raw:
        head, _, tail = raw.rpartition(",")
        raw = raw.replace(",", "") if len(tail) == 3 else head.replace(",", "") + "." + tail
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise CellError(f"'{text}' is not a number") from None
    if not number.is_finite():
        raise CellError(f"'{text}' is not a number")
    if number and not LARGEST.copy_negate() < number < LARGEST:
        raise NumberRangeError(f"'{_shown(text)}' is too large a number for a catalog (at most {LARGEST:,}); check "
                               "the cell")
    if number and abs(number) < SMALLEST:
        raise NumberRangeError(f"'{_shown(text)}' has more than 6 decimals; round it")
    return number


def _number_and_rest(text: str) -> tuple[str, Decimal, str]:
    """Split '¥ 25.8 元/个' into ('¥', 25.8, '元/个'); exactly one number is allowed."""
    found = list(re.finditer(_NUMBER, text))
    if not found:
        raise CellError(f"'{text}' has no number")
    if len(found) > 1:
        raise CellError(f"'{text}' holds more than one number")
    match = found[0]
    return text[:match.start()].strip(), parse_number(match.group()), text[match.end():].strip()


def _strip_per_unit(rest: str) -> str:
    """Drop a trailing '/个', '/pc', '每件' from a price or weight ('25元/个' is 25 元)."""
    tables = unit_tables()
    for marker in ("/", "每", "per "):
        head, sep, tail = rest.rpartition(marker)
        if sep and (tail.strip() in tables.count or tail.strip() in ("套", "袋", "盒")):
            return head.strip()
    return rest


def parse_money(value: object, currency: str) -> Money:
    """'¥25.8', '￥58', '25.8元', '$4.15', 'USD 4.15', 25.8 (currency from the column) → Money."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return _checked_money(amount, currency, to_text(value))
    text = normalize(to_text(value))
    if isinstance(value, (dt.date, dt.datetime)) or re.fullmatch(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[t ].*)?", text):
        raise CellError(f"'{to_text(value)}' is a date, not a price; is the cost in another column?")
    if re.search(r"\d\s*[-~～至]\s*\d", text):
        raise CellError(f"'{to_text(value)}' is a price range; give one price per row")
    not_a_price = f"'{to_text(value)}' is not a price (write it like 25.8, ¥25.8 or $4.15)"
    try:
        before, amount, after = _number_and_rest(text)
    except NumberRangeError:
        raise
    except CellError:
        raise CellError(not_a_price) from None
    tables = unit_tables()
    found = set()
    for part in (before, _strip_per_unit(after)):
        if not part:
            continue
        if part not in tables.currencies:
            raise CellError(not_a_price)
        found.add(tables.currencies[part])
    if len(found) > 1:
        raise CellError(f"'{to_text(value)}' names two currencies")
    return _checked_money(amount, found.pop() if found else currency, to_text(value))


def _checked_money(amount: Decimal, currency: str, shown: str) -> Money:
    if not amount.is_finite():
        raise CellError(f"'{shown}' is not a number")
    if abs(amount) >= LARGEST:
        raise NumberRangeError(f"'{_shown(shown)}' is too large a number for a catalog (at most {LARGEST:,}); check "
                               "the cell")
    if amount < 0:
        raise CellError(f"'{shown}' is negative; a price must be above 0")
    if amount == 0:
        raise CellError(f"'{shown}' is zero; a price must be above 0")
    return Money(amount, currency)


# '约12.6', 'approx. 500g', '≈1.2kg': a factory's measured-about weight or size is still the figure to use
_ABOUT = re.compile(r"^(?:约|大约|大概|approx\.?|approximately|about|ca\.?|around|~|≈|±)\s*")


def _measure(value: object, default_unit: str, table: dict[str, tuple[str, Decimal]], what: str,
             example: str) -> Quantity:
    text = _ABOUT.sub("", normalize(to_text(value)))
    before, number, after = _number_and_rest(text)
    after = _strip_per_unit(after)
    if before or (after and after not in table):
        raise CellError(f"'{to_text(value)}' is not a {what} (write it like {example})")
    unit, factor = table[after or normalize(default_unit)]
    if number < 0:
        raise CellError(f"'{to_text(value)}' is negative")
    return Quantity(number * factor, unit)


def parse_weight(value: object, default_unit: str = "kg") -> Quantity:
    """'500g', '0.5kg', '2斤' (→ 1 kg), '1.2 lb', 13 (in the column's unit) → Quantity."""
    return _measure(value, default_unit, unit_tables().weight, "weight", "0.5kg, 500g or 2斤")


def parse_content(value: object, default_unit: str = "kg") -> Quantity:
    """Net content: a weight ('5斤', '40公斤', '2kg/包') or a volume ('500ml', '1.5L' → 1500 ml)."""
    text = normalize(to_text(value))
    _, _, after = _number_and_rest(text)
    after = _strip_per_unit(after)
    if after and after in unit_tables().volume:
        return _measure(value, default_unit, unit_tables().volume, "volume", "500ml or 1.5L")
    try:
        return parse_weight(value, default_unit)
    except CellError:
        raise CellError(f"'{to_text(value)}' is not a net content (write it like 5斤, 2kg/包 or 500ml)") from None


def parse_capacity(value: object, default_unit: str = "ml") -> Quantity:
    """What a product holds: '350ml', '1.8L', '1.8 升', '12 fl oz', 500 (in the column's unit) → Quantity in ml.
    An 'oz' here is a fluid ounce: a cup's capacity is never a weight."""
    text = re.sub(r"(?<=\d)\s*oz$", " fl oz", normalize(to_text(value)))
    unit = default_unit if normalize(default_unit) in unit_tables().volume else "ml"
    return _measure(text, unit, unit_tables().volume, "capacity", "350ml or 1.8L")


def parse_power(value: object, default_unit: str = "W") -> Quantity:
    """Rated power: '1200W', '1.2kW', '1200瓦', 1200 (in the column's unit) → Quantity in W."""
    text = normalize(to_text(value))
    unit = default_unit if normalize(default_unit) in unit_tables().power else "W"
    return _measure(text, unit, unit_tables().power, "power", "1200W or 1.2kW")


def parse_age(value: object) -> int:
    """The youngest age in years a product is for: '3+', '3岁以上', '6-12岁', '0-3岁婴儿', 'Ages 8+', 14 → int."""
    text = normalize(to_text(value))
    if re.search(r"\d\s*(?:个月|months?|m\b)", text) and not re.search(r"岁|years?|yrs?", text):
        return 0  # '6个月以上', '6m+': a baby's product, under one year
    match = re.search(r"(?<![\d.])(\d{1,2})(?![\d.])", text)
    if not match:
        raise CellError(f"'{to_text(value)}' is not an age (write it like 3+, 3岁以上 or 6-12岁)")
    return int(match.group(1))


def parse_weight_pair(value: object, default_unit: str = "kg", gross_first: bool = False) -> tuple[Quantity, Quantity]:
    """Two weights written together, in the order written: '12/13', '12kg/13kg', '12/13 kg' (net/gross, or
    gross/net when `gross_first`, as under a 毛重/净重 header)."""
    text = normalize(to_text(value))
    parts = [part.strip() for part in text.split("/")]
    if len(parts) != 2 or not all(parts):
        raise CellError(f"'{to_text(value)}' is not a net/gross weight pair (write it like 12/13)")
    tail_unit = re.sub(r"^[\d.,\s]+", "", parts[1])
    net_text = parts[0] if re.search(r"[^\d.,\s]", parts[0]) else parts[0] + tail_unit
    net = parse_weight(net_text, default_unit)
    gross = parse_weight(parts[1], default_unit)
    if gross_first:
        net, gross = gross, net
    if gross.unit == net.unit and gross.value < net.value:
        raise CellError(f"'{to_text(value)}': gross weight is below net weight")
    return (gross, net) if gross_first else (net, gross)


_DIMENSION_SEPARATORS = re.compile(r"\s*[*x×✕✖╳]\s*")


def parse_dimensions(value: object, default_unit: str = "cm") -> Dimensions:
    """'16*10*5', '25×12×3', '60x40x35 cm', 'L60*W40*H35cm', '60cm*40cm*35cm' → Dimensions."""
    shown = to_text(value)
    text = normalize(shown)
    lengths = unit_tables().length
    unit_pattern = "|".join(sorted((re.escape(u) for u in lengths), key=len, reverse=True))
    text = re.sub(r"^\((.*)\)$", r"\1", text)
    parts = _DIMENSION_SEPARATORS.split(text)
    if len(parts) != 3:
        raise CellError(f"'{shown}' is not length×width×height (write it like 60*40*35 cm)")
    numbers, units = [], set()
    for part in parts:
        match = re.fullmatch(rf"[lwhd长宽高]?[:：]?\s*({_NUMBER})\s*(?:\(?({unit_pattern})\)?)?", part.strip())
        if not match:
            raise CellError(f"'{shown}' is not length×width×height (write it like 60*40*35 cm)")
        number = parse_number(match.group(1))
        if number <= 0:
            raise CellError(f"'{shown}' has a side of {plain(number)}; every side must be above 0")
        numbers.append(number)
        if match.group(2):
            units.add(lengths[match.group(2)][0])
    if len(units) > 1:
        raise CellError(f"'{shown}' mixes units; use one unit for all three sides")
    unit = units.pop() if units else lengths[normalize(default_unit)][0]
    return Dimensions(numbers[0], numbers[1], numbers[2], unit)


_LIST_SEPARATORS = re.compile(r"\s*(?:[/、,，;；|\n]|\s-\s)\s*")


def parse_list(value: object) -> list[str]:
    """Variant options: '黄色/黑色', 'S/M/L', '红、黄、蓝' → ['黄色', '黑色'], without repeats."""
    items = [item.strip() for item in _LIST_SEPARATORS.split(to_text(value))]
    return list(dict.fromkeys(item for item in items if item))


_ENUMERATION = re.compile(r"[①-⑳]\s*|(?:^|(?<=\s))(?:\d{1,2}[.、)）](?!\d)|[•·●▪◆■✓✔★☆-](?=\s*\S))\s*")


def parse_lines(value: object) -> list[str]:
    """Selling points: one per line, per '；', or per '1. 2. 3.' / '①②' marker."""
    text = to_text(value)
    items: list[str] = []
    for line in re.split(r"[\r\n；;]+", text):
        pieces = _ENUMERATION.split(line) if _ENUMERATION.search(line) else [line]
        items.extend(piece.strip(" ，,。") for piece in pieces)
    return [item for item in items if item]


def parse_stock(value: object) -> Quantity:
    """Units in stock: a whole number, 0 included (a product out of stock is still listed, with 0)."""
    text = normalize(to_text(value))
    if re.fullmatch(r"0+(?:\.0*)?\s*(?:pcs|件|个|只|套)?", text):
        return Quantity(Decimal(0), "pcs")
    return parse_count(value)


def parse_count(value: object) -> Quantity:
    """A minimum order or carton quantity: '500', '500pcs', '500件', '≥500', '100斤' → Quantity."""
    text = normalize(to_text(value))
    text = re.sub(r"^(?:moq|起订|≥|>=|min\.?)\s*[:：]?\s*", "", text).rstrip("+起 ")
    _, number, after = _number_and_rest(text)
    tables = unit_tables()
    if after in tables.weight:
        return parse_weight(text)
    if after and after not in tables.count:
        raise CellError(f"'{to_text(value)}' is not a quantity (write it like 500 or 500pcs)")
    unit = tables.count.get(after, "pcs")
    if number <= 0 or number != number.to_integral_value():
        raise CellError(f"'{to_text(value)}' is not a whole number above 0")
    return Quantity(number, unit)

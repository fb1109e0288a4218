"""Compose one product's listing for one market: translate, assemble, fit the limits, check."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import replace

from xborder.catalog.model import Product
from xborder.claims import claim_rules
from xborder.listing import qa
from xborder.language import measures
from xborder.listing.compliance import compliance_for
from xborder.listing.fit import fit_bytes, fit_chars, fit_parts
from xborder.listing.identifiers import VariantSku, derived_variant_sku
from xborder.listing.images import listing_images
from xborder.listing.model import Listing, ListingField, Variant
from xborder.language.phrases import PhraseBank, phrasebank
from xborder.listing.uploads import upload_findings
from xborder.markets import Market
from xborder.pricing import Quote
from xborder.settings import Seller
from xborder.engines.engine import BASIC_CHECKS, Job, ListingCopy, Rendering, has_cjk, weakest
from xborder.findings import Finding
from xborder.language.glossary import Glossary, check_forbidden_terms, check_keep_terms, check_missing_terms
from xborder.engines.rejection import LISTING_RETRY, Rejection
from xborder.engines.stages import MAX_EXTRA_ATTRIBUTES, ProductText, segment_sources

Approved = Callable[[str], "str | None"]  # field source text → the text a person approved for it


def title_source(product: Product) -> str:
    """The source text a title renders: the key a person's corrected title is stored under."""
    return " ".join(p for p in (product.brand, product.name, product.material, product.spec) if p)


def description_source(product: Product) -> str:
    return "\n".join([product.name, *product.selling_points] + ([product.description] if product.description else []))


def product_text(product: Product) -> str:
    """All of a product's catalog text, for checks that look at a listing as a whole."""
    return "\n".join(t for t in (product.name, product.spec, product.material, *product.selling_points,
                                  product.description or "") if t)


def handle_for(product: Product, title: str) -> str:
    """A URL handle of letters, digits and dashes: from an ASCII title, else from the SKU."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", text.lower())
    base = "-".join(words[:8]) if len(words) >= 2 and not has_cjk(title) else ""
    sku = sku_handle(product)
    return f"{base}-{sku}" if base else sku


def sku_handle(product: Product) -> str:
    """The neutral handle of a product whose title is not ready: its SKU's letters and digits."""
    sku = "-".join(re.findall(r"[a-z0-9]+", product.sku.lower()))
    if not sku:  # a SKU with no Latin letters or digits: a stable handle from its hash
        sku = "product-" + hashlib.sha1(product.sku.encode("utf-8")).hexdigest()[:8]
    return sku



class ListingTextChecks:
    """The listing's checks on an engine's text (xborder.engines.engine.TextChecks): its fields as the composer
    will fit and check them, and a translated segment: not empty, not left in Chinese, glossary terms and
    figures kept."""

    def copy(self, copy: ListingCopy, job: Job) -> list[Finding]:
        composer = ListingComposer(job.market)
        found = [f for field in composer.copy_fields(job.product, copy, job.glossary) for f in field.findings]
        if not copy.title:
            found.append(Finding("empty", "error", "the title is empty", "title"))
        return found

    def segment(self, source: str, text: str, job: Job) -> list[Finding]:
        found = BASIC_CHECKS.segment(source, text, job)
        if not text:
            return found
        found += qa.check_numbers("translation", source, text)
        # markup or a link the source did not have (the listing's fields remove or hold what the catalog has)
        if not qa.remove_markup("translation", source)[1]:
            found += qa.remove_markup("translation", text)[1]
        if not qa.check_links("translation", source, job.market):
            found += qa.check_links("translation", text, job.market)
        return found + qa.check_language("translation", text, job.market)


class ListingComposer:
    """Builds listings for one market from the text the build's stages found; stateless between products.

    `approved(source)` looks up a field a person corrected (the memory); without it none is used.
    `variant_sku(product, options)` names a variant (a build's Identifiers keep them); by default from its options.
    `seller` gives the responsible persons the compliance checklist asks for; `image_base_url` ([project]) where
    the seller hosts the build's images/ files, so the upload files can name them."""

    def __init__(self, market: Market, approved: Approved | None = None, variant_sku: VariantSku | None = None,
                 seller: Seller | None = None, image_base_url: str = ""):
        self.market = market
        self.image_base_url = image_base_url
        self.seller = seller or Seller()
        self.approved = approved or (lambda source: None)
        self.variant_sku: VariantSku = variant_sku or derived_variant_sku
        self.bank: PhraseBank = phrasebank(market.lang_tag)
        self.limits = market.limits
        self.rules = market.rules

    @property
    def _html_description(self) -> bool:
        """Whether this market's description is HTML the composer writes (paragraphs and lists)."""
        return self.rules.html_description and {"p", "ul", "li"} <= set(self.rules.allowed_html_tags)

    def field_names(self) -> list[str]:
        """The fields this market's listings have: title, its bullets, description, keywords and tags."""
        names = ["title"] + [f"bullet_{n}" for n in range(1, self.limits.bullet_count + 1)]
        names.append("description")
        if self.limits.keywords_bytes:
            names.append("keywords")
        if self.limits.tag_count:
            names.append("tags")
        return names

    def compose(self, text: ProductText, quote: Quote, price_for=None) -> Listing:
        """The listing for one product; every field checked, nothing silently cut. price_for(Money) prices
        a variant whose factory cost differs from the product's."""
        product, glossary = text.product, text.glossary
        r = text.rendering
        attributes = self._attributes(product, r)
        if text.copy is not None:
            fields = self.copy_fields(product, text.copy, glossary)
        else:
            name = self._name(product, r)
            fields = [self._title(product, r, name)]
            fields += self._bullets(product, r, attributes)
            fields.append(self._description(product, r, name, attributes))
            fields += self._keywords(product, r, fields[0].text, glossary)
            for field in fields:
                self.check(field, glossary, product)
            fields[-1].findings += self.check_language(fields)
        variants = self._variants(product, r, quote, price_for)
        category = r(product.category).text if product.category else ""
        shown, category, cleaned = _plain_attributes([(k, v.text) for k, v in attributes], variants, category)
        listing = Listing(product, self.market, quote, fields, shown, variants,
                          handle_for(product, fields[0].text), category)
        listing.images = listing_images(product, self.image_base_url)
        listing.findings += [qa.Finding(f.code, f.severity, f.message, "price") for f in quote.findings]
        listing.findings += text.findings + cleaned
        if text.copy is not None and text.rejection is not None:
            listing.findings += rejection_findings(text.rejection, fields)
        listing.findings += _same_options(variants)
        listing.compliance = compliance_for(product, self.market, self.seller)
        listing.findings += listing.compliance.findings
        # attributes, options and the category show segments as they are: any still in Chinese is pending
        listing.pending_segments = [s for s in segment_sources(product, fields_written=True)
                                    if text.rendering(s).pending]
        if text.copy is not None and listing.pending_segments:
            listing.findings.append(qa.Finding("untranslated", "error", "attributes or options still in the "
                                               f"catalog's language ({', '.join(listing.pending_segments[:3])}): "
                                               "translate them in pending.xlf or build again", "attributes"))
        listing.findings += upload_findings(listing)
        # a public identifier is made only from text that may be published: a held title gives no handle
        if not listing.ready or qa.check_handle_claims(listing.handle, self.market):
            listing.handle = sku_handle(product)
        return listing

    def copy_fields(self, product: Product, copy: ListingCopy, glossary: Glossary) -> list[ListingField]:
        """A model's fields for this market, fitted to its limits and checked, a person's corrections first;
        what still breaks a rule is in the fields' findings and the last field's listing-wide findings."""
        limit = self.limits.title_chars
        source = title_source(product)
        fields = [self._from_memory("title", source, limit)
                  or self._fitted("title", copy.title, source, "model", limit, qa_source=product.name)]
        limit = self.limits.bullet_chars
        for number, bullet in enumerate(copy.bullets[:self.limits.bullet_count], start=1):
            source = f"{title_source(product)}\n#bullet_{number}"
            fields.append(self._from_memory(f"bullet_{number}", source, limit)
                          or self._fitted(f"bullet_{number}", bullet, source, "model", limit, whole_source=False))
        limit = self.limits.description_chars
        source = description_source(product)
        fields.append(self._from_memory("description", source, limit)
                      or self._fitted("description", self._copy_description(copy.description), source, "model",
                                      limit, whole_source=False))
        fields += self._keyword_fields(product, list(copy.keywords), list(copy.tags), "model")
        for field in fields:
            self.check(field, glossary, product)
        fields[-1].findings += check_copy_coverage(product, fields, glossary, self.market.lang_tag)
        fields[-1].findings += self.check_language(fields)
        return fields

    def check_language(self, fields: list[ListingField]) -> list[Finding]:
        """The listing's words, taken together, in the market's language (not a model's German for Amazon US); a
        field still pending is the untranslated check's."""
        shown = "\n".join(f.text for f in fields if not f.pending and (f.name in ("title", "description")
                                                                       or f.name.startswith("bullet_")))
        if self._html_description:
            shown, _ = qa.remove_markup("listing", shown)
        return qa.check_language("listing", shown, self.market)

    def _copy_description(self, text: str) -> str:
        """A model's plain-text description; as HTML paragraphs and lists where the market takes HTML."""
        allowed = set(self.rules.allowed_html_tags)
        if not (self.rules.html_description and {"p", "ul", "li"} <= allowed):
            return text.strip()
        blocks, items = [], []
        for line in (line.strip() for line in text.splitlines()):
            if line.startswith(("- ", "• ", "* ")):
                items.append(f"<li>{_escape(line[2:].strip())}</li>")
                continue
            if items:
                blocks.append("<ul>" + "".join(items) + "</ul>")
                items = []
            if line:
                blocks.append(f"<p>{_escape(line)}</p>")
        if items:
            blocks.append("<ul>" + "".join(items) + "</ul>")
        return "".join(blocks)

    # parts -----------------------------------------------------------------------------------
    def name(self, product: Product, r: Callable[[str], Rendering]) -> Rendering:
        """The product's name as the listing's title shows it (a live script says the same words)."""
        return self._name(product, r)

    def attributes(self, product: Product, r: Callable[[str], Rendering]) -> list[tuple[str, Rendering]]:
        """The listing's (label, value) attributes with where each value came from (a live script's specs)."""
        return self._attributes(product, r)

    def _name(self, product: Product, r: Callable[[str], Rendering]) -> Rendering:
        rendering = r(product.name)
        if rendering.pending and product.name_en and self.market.language == "en":
            return Rendering(product.name, product.name_en, "catalog")
        if rendering.provenance in ("glossary", "template", "draft"):  # composed from terms: a name's capitals
            return Rendering(rendering.source, _title_case(rendering.text, self.market.language),
                             rendering.provenance)
        return rendering

    @staticmethod
    def _fitted(name: str, text: str, source: str, provenance: str, limit: int, qa_source: str = "",
                whole_source: bool = True) -> ListingField:
        """A field shortened to the limit at a word boundary, with the shortening reported."""
        fitted = fit_chars(text, limit)
        field = ListingField(name, fitted, source, provenance, qa_source=qa_source, whole_source=whole_source)
        field.findings += qa.check_length(name, fitted, limit, len(text) if fitted != text else None)
        return field

    def _from_memory(self, name: str, source: str, limit: int) -> ListingField | None:
        """The whole field as a person approved it for this source text, if they did."""
        approved = self.approved(source)
        return self._fitted(name, approved, source, "memory", limit) if approved else None

    def _title(self, product: Product, r, name: Rendering) -> ListingField:
        source = title_source(product)
        limit = self.limits.title_chars
        approved = self._from_memory("title", source, limit)
        if approved:
            return approved
        head = " ".join(p for p in (product.brand, name.text) if p)
        parts, provenances = [head], [name.provenance]
        for value in (product.material, product.spec):
            if value and value not in product.name:
                parts.append(r(value).text)
                provenances.append(r(value).provenance)
        separator = self.bank.format.get("title_separator", ", ")
        text, dropped = fit_parts(parts, separator, limit)
        full = separator.join(parts)
        used = [product.name] + [v for v in (product.material, product.spec) if v and v not in product.name]
        field = ListingField("title", text, source, weakest(provenances[:len(parts) - dropped] or provenances),
                             qa_source=" ".join(used[:len(parts) - dropped]))
        field.findings += qa.check_length("title", text, limit, len(full) if text != full else None)
        return field

    def _attributes(self, product: Product, r) -> list[tuple[str, Rendering]]:
        """(label, value) pairs in the market's language; empty when its phrase bank has no labels."""
        if not self.bank.complete:
            return []
        bank, market = self.bank, self.market
        out: list[tuple[str, Rendering]] = []

        def add(key: str, rendering: Rendering) -> None:
            label = bank.label(key)
            if label:
                out.append((label, rendering))

        if product.material:
            add("material", r(product.material))
        if product.spec:
            add("specification", r(product.spec))
        size_key = "cn_size" if any(_APPAREL_SIZE.match(v) for v in product.sizes) and market.country != "CN" \
            and bank.label("cn_size") else "size"
        for key, values in (("colour", product.colors), (size_key, product.sizes)):
            if values:
                parts = [r(v) for v in values]
                add(key, Rendering("/".join(values), bank.join([p.text for p in parts]),
                                   weakest([p.provenance for p in parts])))
        for key, size in (("product_size", product.product_size), ("package_size", product.package_size)):
            if size:
                add(key, Rendering(str(size), measures.dimensions(size, market, bank), "template"))
        for key, weight in (("net_weight", product.net_weight), ("gross_weight", product.gross_weight)):
            if weight:
                add(key, Rendering(str(weight), measures.weight(weight, market, bank), "template"))
        if product.capacity:
            add("capacity", Rendering(str(product.capacity), measures.volume(product.capacity, market, bank),
                                      "template"))
        if product.power:
            add("power", Rendering(str(product.power), measures.power(product.power, market), "template"))
        if product.voltage:
            add("voltage", Rendering(product.voltage, measures.voltage(product.voltage, market), "template"))
        if product.battery:
            add("battery", r(product.battery))
        if product.min_age is not None and bank.fmt("age_min", years="0"):
            add("age", Rendering(f"{product.min_age}+", bank.fmt("age_min", years=str(product.min_age)) or "",
                                 "template"))
        for extra in product.attributes[:MAX_EXTRA_ATTRIBUTES]:
            # a column xborder has no field for (朝代形制 = 明制): its header translated like any text
            label, value = r(extra.header), r(extra.value)
            out.append((label.text, Rendering(f"{extra.header}={extra.value}", value.text,
                                              weakest([label.provenance, value.provenance]))))
        return out

    def _line(self, label: str, value: str) -> str:
        return self.bank.fmt("bullet", label=label, value=value) or f"{label}: {value}"

    def _bullets(self, product: Product, r, attributes) -> list[ListingField]:
        count = self.limits.bullet_count
        if not count:
            return []
        limit = self.limits.bullet_chars
        points = [r(p) for p in product.selling_points]
        slots = count - 1 if attributes and len(points) >= count else count
        chosen: list[tuple[str, str, str]] = [(p.source, p.text, p.provenance) for p in points[:slots]]
        remaining = count - len(chosen)
        if attributes and remaining:
            singles = attributes[:remaining - 1] if len(attributes) > remaining else attributes
            rest = attributes[len(singles):]
            for label, value in singles:
                chosen.append((f"{label}={value.source}", self._line(label, value.text), value.provenance))
            if rest:
                separator = "; " if self.market.language != "ja" else "／"
                chosen.append((" | ".join(f"{label}={value.source}" for label, value in rest),
                               separator.join(self._line(label, value.text) for label, value in rest),
                               weakest([value.provenance for _, value in rest])))
        return [self._from_memory(f"bullet_{number}", source, limit)
                or self._fitted(f"bullet_{number}", text, source, provenance, limit)
                for number, (source, text, provenance) in enumerate(chosen, start=1)]

    def _description(self, product: Product, r, name: Rendering, attributes) -> ListingField:
        source = description_source(product)
        limit = self.limits.description_chars
        approved = self._from_memory("description", source, limit)
        if approved:
            return approved
        points = [r(p) for p in product.selling_points]
        extra = [r(product.description)] if product.description else []
        provenances = [name.provenance] + [p.provenance for p in points + extra] + \
                      [v.provenance for _, v in attributes]
        lines = [self._line(label, value.text) for label, value in attributes]
        html = self.rules.html_description
        allowed = set(self.rules.allowed_html_tags)
        if html and {"p", "ul", "li"} <= allowed:
            blocks = [f"<p>{_escape(name.text)}</p>"]
            blocks += [f"<p>{_escape(e.text)}</p>" for e in extra]
            if points:
                blocks.append("<ul>" + "".join(f"<li>{_escape(p.text)}</li>" for p in points) + "</ul>")
            if lines:
                blocks.append("<ul>" + "".join(f"<li>{_escape(line)}</li>" for line in lines) + "</ul>")
            parts, separator = blocks, ""
        else:
            parts = [name.text] + [e.text for e in extra] + [p.text for p in points] + lines
            separator = "\n"
        text, dropped = fit_parts(parts, separator, limit)
        field = ListingField("description", text, source, weakest(provenances))
        full = separator.join(parts)
        field.findings += qa.check_length("description", text, limit, len(full) if dropped or text != full else None)
        return field

    def _keywords(self, product: Product, r, title: str, glossary: Glossary) -> list[ListingField]:
        if not self.limits.keywords_bytes and not self.limits.tag_count:
            return []
        words: list[str] = []
        sources = [product.name, product.material or "", product.spec or "", *product.selling_points]
        candidates = [r(product.category).text] if product.category else []
        for entry in glossary.entries_for(" ".join(sources)):
            if entry.type == "term" and entry.target(self.market.lang_tag):
                candidates.append(entry.target(self.market.lang_tag))
        candidates += [r(c).text for c in product.colors]
        if product.material:
            candidates.append(r(product.material).text)
        lowered_title = title.casefold()
        for candidate in candidates:
            candidate = candidate.strip()
            if candidate and not has_cjk(candidate) and candidate.casefold() not in lowered_title \
                    and candidate.casefold() not in (w.casefold() for w in words):
                words.append(candidate)
        return self._keyword_fields(product, words, words, "glossary")

    def _keyword_fields(self, product: Product, keywords: list[str], tags: list[str],
                        provenance: str) -> list[ListingField]:
        """Backend keywords under their byte limit and tags under their count, a person's corrections first."""
        byte_limit = self.limits.keywords_bytes
        tag_count = self.limits.tag_count
        fields = []
        if byte_limit:
            source = "keywords: " + product.name
            approved = self.approved(source)
            chosen = approved.split() if approved else \
                [w.casefold() if self.market.platform == "amazon" else w for w in keywords]
            text, dropped = fit_bytes(chosen, " ", byte_limit)
            field = ListingField("keywords", text, source, "memory" if approved else provenance if text else "kept")
            if dropped:
                field.findings.append(qa.Finding("keywords-dropped", "warning",
                                                 f"left out to stay under {byte_limit} bytes: {', '.join(dropped)}",
                                                 "keywords"))
            fields.append(field)
        if tag_count:
            tag_chars = self.limits.tag_chars or 999
            source = "tags: " + product.name
            approved = self.approved(source)
            candidates = [t.strip() for t in approved.split(",")] if approved else tags
            chosen = [w for w in candidates if w and len(w) <= tag_chars][:tag_count]
            fields.append(ListingField("tags", ", ".join(chosen), source,
                                       "memory" if approved else provenance if chosen else "kept"))
        return fields

    def _variants(self, product: Product, r, quote: Quote, price_for) -> list[Variant]:
        names = [(self.bank.label("colour") or "Colour", "colour", product.colors),
                 (self.bank.label("size") or "Size", "size", product.sizes)]
        names = [n for n in names if n[2]]
        combos: list[list[tuple[str, str, str]]] = [[]]
        for label, key, values in names:
            combos = [c + [(label, key, v)] for c in combos for v in values]
        out = []
        for combo in combos:
            options = tuple((key, v) for _, key, v in combo)
            sku = product.sku if len(combos) == 1 else self.variant_sku(product, options)
            cost = product.cost_for({key: v for _, key, v in combo})
            price = price_for(cost) if price_for and cost != product.cost else quote.price
            out.append(Variant(sku, [(label, r(v).text) for label, _, v in combo],
                               [(key, v) for _, key, v in combo], price))
        return out

    # checks ----------------------------------------------------------------------------------
    def check(self, field: ListingField, glossary: Glossary, product: Product | None = None,
              certifications: Iterable[str] = ()) -> None:
        """Every rule of the market on one field; characters the market rejects are removed and reported.
        `certifications`: what is held when no product is given (a reviewed workbook: the project's)."""
        rules, market = self.rules, self.market
        held = claim_rules().held(product.certifications if product is not None else certifications, market.country)
        banned = (rules.banned_title_chars if field.name == "title" else rules.banned_text_chars)
        # markup and invisible characters go first, at this one place every field passes (the catalog's, a
        # person's and a model's text): the files that join lines with <br> only ever see plain words
        html_tags = rules.allowed_html_tags if field.name == "description" and self._html_description else ()
        field.text, found = qa.remove_markup(field.name, field.text, html_tags)
        field.text, removed = qa.remove_characters(field.name, field.text, banned)  # the field must obey the market
        found += removed
        text = field.text
        found += qa.check_links(field.name, text, market)
        found += qa.check_source_language(field.name, text, market, field.pending)
        found += qa.check_draft(field.name, field.draft)
        if field.name == "title":
            found += qa.check_min_length("title", text, self.limits.title_min_chars)
            found += qa.check_banned_characters("title", text, rules.banned_title_chars)
            found += qa.check_word_repeats("title", text, rules.max_word_repeats)
            found += qa.check_all_caps("title", text)
        else:
            found += qa.check_banned_characters(field.name, text, rules.banned_text_chars)
        if field.name == "keywords":
            found += qa.check_bytes("keywords", text, self.limits.keywords_bytes)
        found += qa.check_emoji(field.name, text)
        found += qa.check_banned_phrases(field.name, text, rules.banned_phrases)
        # the catalog text a field renders; a model's bullet is keyed by the title's source, checked there
        source_checked = field.name in ("title", "description") or (field.name.startswith("bullet_")
                                                                     and "\n#bullet_" not in field.source)
        claims = qa.check_claims(field.name, text, market, held)
        if source_checked:
            in_source = qa.check_source_claims(field.name, field.source, market, held)
            said = {(f.check.removeprefix("source-"), f.term) for f in in_source}
            # text still untranslated holds the catalog's own claim: said once, as the catalog's
            claims = [f for f in claims if (f.check, f.term) not in said] + in_source
        found += claims
        if not field.pending and (market.language == "ja" or not has_cjk(text)):
            if not field.whole_source:  # written from the whole product: its terms are checked listing-wide
                if product is not None:
                    found += check_forbidden_terms(glossary.entries_for(product_text(product)), text,
                                                   market.lang_tag, field.name)
            else:
                if field.name.startswith("bullet_") and "=" not in field.source:
                    found += qa.check_numbers(field.name, field.source, text)
                if field.name in ("title", "description") or field.name.startswith("bullet_"):
                    found += glossary.check(field.qa_source or field.source, text, market.lang_tag, field.name)
        field.findings += found


def rejection_findings(rejection: Rejection, fields: list[ListingField]) -> list[Finding]:
    """The model-rejected error of a listing showing a rejected copy, unless a person has since corrected every
    field a reason names (their correction, imported with `xborder tm import`, replaced the model's text)."""
    written = {f.name for f in fields if f.provenance == "model"}

    def still_wrong(name: str) -> bool:
        if name == "bullets":
            return any(n.startswith("bullet_") for n in written)
        return name in written if name in {f.name for f in fields} else bool(written)

    if not written or (rejection.reasons and not any(still_wrong(r.field) for r in rejection.reasons)):
        return []
    return [rejection.finding("text", "listing", LISTING_RETRY)]


def _plain_attributes(attributes: list[tuple[str, str]], variants: list[Variant],
                      category: str) -> tuple[list[tuple[str, str]], str, list[Finding]]:
    """Attributes, variant options and the category as plain words (they go into upload files beside the fields);
    the variants' options are cleaned in place. One warning names what went."""
    found: list[Finding] = []

    def clean(text: str) -> str:
        cleaned, findings = qa.remove_markup("attributes", text)
        found.extend(findings)
        return cleaned

    shown = [(clean(label), clean(value)) for label, value in attributes]
    for variant in variants:
        variant.options = [(label, clean(value)) for label, value in variant.options]
    category = clean(category)
    unique = list({(f.check, f.message): f for f in found}.values())
    return shown, category, unique


def _same_options(variants: list[Variant]) -> list[qa.Finding]:
    """Variants whose options read the same in the listing's language ('咖啡色' and '棕色' are both Brown where the
    glossary says so): a marketplace takes them for one variant, and Shopify refuses the product."""
    seen: dict[tuple[tuple[str, str], ...], Variant] = {}
    found = []
    for variant in variants:
        shown = tuple(variant.options)
        first = seen.setdefault(shown, variant)
        if first is not variant and shown:
            values = " / ".join(value for _, value in shown)
            found.append(qa.Finding("variants-alike", "warning", (
                f"variants {first.sku} ({_sources(first)}) and {variant.sku} ({_sources(variant)}) both read "
                f"'{values}': correct one of them in listings.xlsx or the glossary so buyers can tell them apart"),
                "variants"))
    return found


def _sources(variant: Variant) -> str:
    return " / ".join(value for _, value in variant.source_options)


def check_copy_coverage(product: Product, fields: list[ListingField], glossary: Glossary,
                        lang_tag: str) -> list[Finding]:
    """A listing written from the whole product keeps all of it: every figure and glossary term of the
    catalog text appears in its title, bullets or description."""
    shown = "\n".join(f.text for f in fields if f.name in ("title", "description") or f.name.startswith("bullet_"))
    source = product_text(product)
    found = [replace(f, field="listing") for f in qa.check_numbers("listing", source, shown)]
    entries = [e for e in glossary.entries_for(source) if e.type in ("term", "keep")]
    found += check_missing_terms(entries, shown, lang_tag, "listing") + check_keep_terms(entries, shown, lang_tag,
                                                                                           "listing")
    return found


# letter and height/chest sizes of Chinese apparel run small: state them as CN sizes, never convert
_APPAREL_SIZE = re.compile(r"^(?:X{0,3}S|M|X{0,4}L|\d?XL|\d{3}/\d{2,3}[AB]?)$", re.IGNORECASE)
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "per", "the", "to", "with"}


def _title_case(text: str, language: str) -> str:
    """Composed English names in Title Case ('Composted Sheep Manure'); other languages get a capital first letter."""
    if not text:
        return text
    if language != "en":
        return text[0].upper() + text[1:]
    out, depth = [], 0
    for i, word in enumerate(text.split(" ")):
        # words in brackets are an explanation, '(horse-face skirt)': left as the glossary writes them
        if depth == 0 and word[:1].islower() and (i == 0 or word not in _SMALL_WORDS):
            word = word[:1].upper() + word[1:]
        depth += word.count("(") - word.count(")")
        out.append(word)
    return " ".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

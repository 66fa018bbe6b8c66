"""PDF documents with fpdf2: the certificate and the logo sheets.

fpdf2 (and fontTools under it) costs ~340 ms to import, so it is imported inside the functions
that make a PDF, never at module level: the other routes of a function do not pay for it.

Fonts come from registry packages installed with the layer (see ``FONTS``). Parsing a TrueType
file is what makes a PDF slow (≈100 ms), so each font is parsed once per warm process into a
prototype ``TTFFont`` and a pruned copy of its bytes (no layout or variation tables: they are
not embedded anyway). Every document gets a shallow copy of the prototype with its own glyph
subset and a fresh fontTools object read from the pruned bytes, because fpdf2 subsets that object
in place when it writes the file. Fallback fonts (Arabic, Hebrew, CJK) are parsed only when a
name needs one, and text shaping (HarfBuzz) is switched on only for text that needs it.
"""

from __future__ import annotations

import copy
import importlib
import io
import threading
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from certtrack import i18n

BASE_FAMILY = "notosans"


def _fontpkg_file(module: str, filename: str) -> Callable[[], Path]:
    def locate() -> Path:
        root: Path = importlib.import_module(module).ROOT
        return root / "files" / filename

    return locate


def _cjk_file() -> Path:
    return Path(str(importlib.import_module("noto_cjk_sans_jp_regular").FONT_PATH))


def _hebrew_file() -> Path:
    path: Path = importlib.import_module("pylopdf_fonts_he").sans_path()
    return path


@dataclass(frozen=True)
class FontSpec:
    """A font shipped by a registry package, and the code points it is the fallback for."""

    family: str
    locate: Callable[[], Path]
    ranges: tuple[tuple[int, int], ...] = ()
    rtl: bool = False


FONTS: tuple[FontSpec, ...] = (
    # Latin (with accents), Greek, Cyrillic: fontpkg-noto-sans (~4 MB installed, two files).
    FontSpec(BASE_FAMILY, _fontpkg_file("fontpkg_noto_sans", "NotoSans[wdth,wght].ttf")),
    # Arabic script: fontpkg-noto-sans-arabic (0.8 MB).
    FontSpec(
        "notoarabic",
        _fontpkg_file("fontpkg_noto_sans_arabic", "NotoSansArabic[wdth,wght].ttf"),
        ((0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
        rtl=True,
    ),
    # Hebrew: pylopdf-fonts-he (0.1 MB sans + 0.2 MB serif).
    FontSpec("notohebrew", _hebrew_file, ((0x0590, 0x05FF), (0xFB1D, 0xFB4F)), rtl=True),
    # Chinese, Japanese, Korean: noto-cjk-sans-jp-regular (16.5 MB, the pan-CJK OTF with
    # Japanese default glyph forms; hanzi, kana and hangul in one file).
    FontSpec(
        "notocjk",
        _cjk_file,
        (
            (0x1100, 0x11FF),
            (0x2E80, 0x2FDF),
            (0x3000, 0x33FF),
            (0x3400, 0x4DBF),
            (0x4E00, 0x9FFF),
            (0xA960, 0xA97F),
            (0xAC00, 0xD7FF),
            (0xF900, 0xFAFF),
            (0xFE30, 0xFE4F),
            (0xFF00, 0xFFEF),
            (0x20000, 0x3FFFF),
        ),
    ),
)

# Tables fpdf2's subsetter drops anyway, plus the variation tables: without them a variable
# TrueType font is its default instance (Regular), which is what we want to embed. HarfBuzz
# still shapes from the original file, which keeps them; glyph ids are unchanged.
_PRUNED_TABLES = (
    "GSUB",
    "GPOS",
    "GDEF",
    "fvar",
    "gvar",
    "avar",
    "cvar",
    "HVAR",
    "VVAR",
    "MVAR",
    "STAT",
    "DSIG",
    "FFTM",
    "hdmx",
    "meta",
)


@dataclass
class _CachedFont:
    spec: FontSpec
    prototype: Any  # fpdf.fonts.TTFFont, parsed once
    embed_bytes: bytes  # the font file without the pruned tables

    def covers(self, char: str) -> bool:
        return ord(char) in self.prototype.cmap


_lock = threading.RLock()
_cache: dict[str, _CachedFont] = {}


def _load_font(spec: FontSpec) -> _CachedFont:
    """Parse a font once per process (the expensive step) and keep it."""
    with _lock:
        cached = _cache.get(spec.family)
        if cached is not None:
            return cached
        from fpdf import FPDF
        from fpdf.fonts import TTFFont

        path = spec.locate()
        embed_bytes, location = _prune(path)
        host = FPDF()
        # Parse the pruned bytes so glyph names agree with what every document embeds; HarfBuzz
        # shapes from the original file (it needs the layout tables), and glyph ids agree.
        prototype = TTFFont(host, io.BytesIO(embed_bytes), spec.family, "")  # type: ignore[arg-type]
        prototype.ttffile = path
        if location is not None:
            prototype.hbfont.set_variations(location)
        cached = _CachedFont(spec=spec, prototype=prototype, embed_bytes=embed_bytes)
        _cache[spec.family] = cached
        return cached


REGULAR_WEIGHT = 400.0


def _regular_instance(source: Any) -> dict[str, float] | None:
    """Pin a variable font whose default instance is not Regular (Noto Sans Hebrew is Thin)."""
    if "fvar" not in source:
        return None
    axes = {axis.axisTag: axis for axis in source["fvar"].axes}
    weight = axes.get("wght")
    if weight is None or weight.defaultValue == REGULAR_WEIGHT:
        return None
    from fontTools.varLib import instancer

    location = {tag: axis.defaultValue for tag, axis in axes.items()}
    location["wght"] = min(max(REGULAR_WEIGHT, weight.minValue), weight.maxValue)
    instancer.instantiateVariableFont(source, location, inplace=True, static=True, updateFontNames="STAT" in source)
    return location


def _prune(path: Path) -> tuple[bytes, dict[str, float] | None]:
    """The font file as embedded, and the variation location it was pinned at (if any).

    TrueType fonts lose the tables no PDF viewer reads: layout, variations (without them a
    variable font is its default instance) and every ``cmap`` subtable but the best one. Decoding
    those is most of what subsetting a font for each document costs.
    """
    from fontTools.ttLib import TTFont

    source = TTFont(str(path), lazy=True, recalcTimestamp=False)
    if "glyf" not in source:
        # CFF (the CJK font): rewriting 16 MB of it takes most of a minute; embed it as shipped.
        return path.read_bytes(), None
    location = _regular_instance(source)
    for tag in _PRUNED_TABLES:
        if tag in source:
            del source[tag]
    cmap = source["cmap"]
    best = cmap.getcmap(3, 10) or cmap.getcmap(3, 1)
    if best is not None:
        cmap.tables = [best]
    buffer = io.BytesIO()
    source.save(buffer)
    return buffer.getvalue(), location


def _attach(pdf: Any, cached: _CachedFont) -> None:
    """Give ``pdf`` its own copy of a parsed font (what ``add_font`` does, minus the parsing)."""
    from fontTools.ttLib import TTFont
    from fpdf.fonts import SubsetMap

    font = copy.copy(cached.prototype)
    font.i = len(pdf.fonts) + 1
    # No bounding-box recalculation on save: it decodes and re-encodes every outline the
    # subset keeps (a third of the subsetting time); the font's own bounds still hold.
    font.ttfont = TTFont(io.BytesIO(cached.embed_bytes), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    pdf.fonts[font.fontkey] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")


def _spec_for(char: str) -> FontSpec | None:
    point = ord(char)
    for spec in FONTS[1:]:
        if any(low <= point <= high for low, high in spec.ranges):
            return spec
    return None


def fallbacks_for(text: str) -> list[FontSpec]:
    """The fallback fonts ``text`` needs: those covering characters the base font lacks."""
    base = _load_font(FONTS[0])
    needed: list[FontSpec] = []
    for char in text:
        if char.isspace() or base.covers(char):
            continue
        spec = _spec_for(char)
        if spec is not None and spec not in needed:
            needed.append(spec)
    return needed


def needs_shaping(text: str) -> bool:
    """Right-to-left text, combining marks and non-Latin scripts go through HarfBuzz."""
    for char in text:
        if unicodedata.bidirectional(char) in {"R", "AL", "AN"}:
            return True
        if unicodedata.combining(char):
            return True
    return False


def format_date(value: str | date, language: str = "en") -> str:
    """``2024-04-01`` → ``April 1, 2024`` / ``2024年4月1日`` (Babel, the holder's locale)."""
    return i18n.format_date(value, language)


@dataclass(frozen=True)
class CertificateContent:
    holder_name: str
    certification_name: str
    program: str
    active_date: str  # YYYY-MM-DD
    expiration_date: str  # YYYY-MM-DD
    verification_code: str
    verify_url: str
    language: str = "en"  # the holder's (``settings.language``)


def _pdf_text_string(text: str) -> str:
    """A PDF text string in UTF-16BE hex (any script, no escaping needed)."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


@contextmanager
def _tagged(pdf: Any, struct_type: str, actual_text: str | None = None) -> Iterator[None]:
    """Wrap the content drawn inside in a marked-content sequence tied to a structure element.

    fpdf2 2.8 has no public API for tagging text (only images and links get structure
    elements), so this uses the same builder its ``image(alt_text=…)`` uses, with a text type.
    ``actual_text`` gives assistive technology the text in logical order when the glyphs drawn
    are shaped or reordered (Arabic, Hebrew).
    """
    mcid = pdf.struct_builder.next_mcid_for_page(pdf.page)
    pdf._add_marked_content(struct_type=struct_type, mcid=mcid)
    extra = f" /ActualText {_pdf_text_string(actual_text)}" if actual_text else ""
    pdf._out(f"{struct_type} <</MCID {mcid}{extra}>> BDC")
    yield
    pdf._out("EMC")


QR_BORDER = 2  # quiet zone, in modules (readers need ≥ 2 on a plain white page)


def qr_matrix(url: str) -> tuple[bytearray, ...]:
    """The QR modules for ``url`` (rows of 0/1), error correction level M.

    The mask pattern is fixed rather than chosen by scoring all eight: every mask is valid and
    readers try each, and scoring them is most of the time the encoder takes.
    """
    import segno

    matrix: tuple[bytearray, ...] = segno.make(url, error="m", micro=False, mask=0).matrix
    return matrix


def _draw_qr(pdf: Any, url: str, x: float, y: float, size: float, alt_text: str) -> None:
    """The QR code as filled vector rectangles (one per run of dark modules), tagged as a figure.

    Vectors stay sharp at any zoom and cost a fraction of encoding and embedding a PNG.
    """
    matrix = qr_matrix(url)
    module = size / (len(matrix) + 2 * QR_BORDER)
    k = pdf.k
    ops: list[str] = []
    for row_index, row in enumerate(matrix):
        top = y + (row_index + QR_BORDER) * module
        col = 0
        while col < len(row):
            if not row[col]:
                col += 1
                continue
            start = col
            while col < len(row) and row[col]:
                col += 1
            left = x + (start + QR_BORDER) * module
            ops.append(f"{left * k:.3f} {(pdf.h - top) * k:.3f} {(col - start) * module * k:.3f} {-module * k:.3f} re")
    with pdf._marked_sequence(alt_text=alt_text):
        pdf._out("q 0 g " + " ".join(ops) + " f Q")


def _fit_size(pdf: Any, text: str, width: float, largest: float, smallest: float) -> float:
    """The largest font size (pt) at which ``text`` fits ``width`` mm on one line."""
    size = largest
    pdf.set_font_size(size)
    while size > smallest and pdf.get_string_width(text) > width:
        size -= 1
        pdf.set_font_size(size)
    return size


def render_certificate(content: CertificateContent, now: datetime) -> bytes:
    """A one-page landscape A4 certificate, fonts embedded as subsets, text tagged."""
    with _lock:
        return _render_certificate(content, now)


def _render_certificate(content: CertificateContent, now: datetime) -> bytes:
    from fpdf import FPDF, ViewerPreferences
    from fpdf.enums import Align, XPos, YPos

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.set_auto_page_break(False)
    pdf.set_margins(20, 20, 20)
    pdf.set_creation_date(now)
    language = i18n.choose(content.language)

    def _(message: str, **values: str) -> str:
        return i18n.translate(language, message) % values

    program = i18n.translate(language, content.program)  # the catalog's name has its translation
    texts = {
        "program": program,
        "heading": _("Certificate of Achievement"),
        "certifies": _("This certifies that"),
        "fulfilled": _("has fulfilled the requirements of the program and is certified as"),
        "dates": _(
            "Active %(active)s   ·   Expires %(expires)s",
            active=format_date(content.active_date, language),
            expires=format_date(content.expiration_date, language),
        ),
        "code": _("Verification code: %(code)s", code=content.verification_code),
        "verify": _("Verify at %(url)s", url=content.verify_url),
    }
    pdf.set_lang(language)
    pdf.set_title(
        _(
            "%(certification)s certificate: %(holder)s",
            certification=content.certification_name,
            holder=content.holder_name,
        )
    )
    pdf.set_author(program)
    pdf.set_subject(
        _(
            "Certificate of %(certification)s, verification code %(code)s",
            certification=content.certification_name,
            code=content.verification_code,
        )
    )
    pdf.set_creator(_("Certification Tracking System"))
    pdf.set_keywords([content.certification_name, _("certificate"), content.verification_code])

    _attach(pdf, _load_font(FONTS[0]))
    fallbacks = fallbacks_for(content.holder_name + "".join(texts.values()))
    for spec in fallbacks:
        _attach(pdf, _load_font(spec))
    if fallbacks:
        pdf.set_fallback_fonts([spec.family for spec in fallbacks], exact_match=False)

    pdf.add_page()
    width = pdf.epw
    pdf._out("/Artifact BMC")  # the decorative frame: screen readers skip it
    pdf.set_draw_color(0, 84, 128)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)
    pdf._out("EMC")

    def line(text: str, size: float, y: float, struct_type: str = "/P", color: int = 40, actual: bool = False) -> None:
        pdf.set_text_color(color)
        pdf.set_font(BASE_FAMILY, size=size)
        pdf.set_xy(pdf.l_margin, y)
        with _tagged(pdf, struct_type, text if actual else None):
            pdf.cell(width, size * 0.5, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line(program, 16, 28, color=90)
    line(texts["heading"], 30, 40, "/H1", color=0)
    line(texts["certifies"], 14, 62, color=90)

    pdf.set_font(BASE_FAMILY, size=34)
    if needs_shaping(content.holder_name):
        pdf.set_text_shaping(True)
    size = _fit_size(pdf, content.holder_name, width - 10, 34, 12)
    line(content.holder_name, size, 74, "/H2", color=0, actual=True)
    pdf.set_text_shaping(False)

    line(texts["fulfilled"], 14, 96, color=90)
    pdf.set_font(BASE_FAMILY, size=26)
    cert_size = _fit_size(pdf, content.certification_name, width - 10, 26, 12)
    line(content.certification_name, cert_size, 106, "/H2", color=0)
    line(texts["dates"], 13, 126)

    qr_size = 34.0
    qr_x, qr_y = pdf.w - pdf.r_margin - qr_size - 6, pdf.h - 20 - qr_size - 6
    _draw_qr(pdf, content.verify_url, qr_x, qr_y, qr_size, _("QR code linking to %(url)s", url=content.verify_url))
    pdf.set_text_color(60)
    pdf.set_font(BASE_FAMILY, size=10)
    pdf.set_xy(pdf.l_margin + 6, qr_y + 8)
    with _tagged(pdf, "/P"):
        pdf.cell(0, 6, texts["code"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(pdf.l_margin + 6)
    with _tagged(pdf, "/P"):
        pdf.cell(0, 6, texts["verify"], link=content.verify_url)
    return bytes(pdf.output())


@dataclass(frozen=True)
class LogoContent:
    logo_id: str
    name: str
    program: str
    svg: str


def render_logo_pdf(logo: LogoContent, now: datetime) -> bytes:
    """The logo artwork (the same SVG the SVG download serves) on a page of its own size."""
    with _lock:
        from fpdf import FPDF

        pdf = FPDF(orientation="L", unit="mm", format=(60, 120))
        pdf.set_auto_page_break(False)
        pdf.set_creation_date(now)
        # One stored file per logo for every holder: the program's mark, in its own (English) words,
        # described in them (docs/notes/language.md).
        pdf.set_lang("en")
        pdf.set_title(logo.name)
        pdf.set_author(logo.program)
        pdf.set_subject(f"{logo.name} logo")
        pdf.set_creator("Certification Tracking System")
        pdf.add_page()
        pdf.image(io.BytesIO(logo.svg.encode("utf-8")), x=0, y=0, w=120, h=60, alt_text=logo.name)
        return bytes(pdf.output())

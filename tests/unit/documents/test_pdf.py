"""The certificate PDF: names in every script, QR payload, metadata and tags (no AWS)."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any, cast

import pypdfium2 as pdfium
import pytest
import segno
import zxingcpp
from certtrack import pdf
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, PdfObject, StreamObject

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
URL = "https://certs.example.com/public/verify/K7MX3QPZ9A"


def content(name: str = "Zoë Ångström", **overrides: str) -> pdf.CertificateContent:
    values = {
        "holder_name": name,
        "certification_name": "CCNP Enterprise",
        "program": "Certification Program",
        "active_date": "2025-04-01",
        "expiration_date": "2028-04-01",
        "verification_code": "K7MX3QPZ9A",
        "verify_url": URL,
        **overrides,
    }
    return pdf.CertificateContent(**values)


def render(name: str = "Zoë Ångström", **overrides: str) -> PdfReader:
    return PdfReader(io.BytesIO(pdf.render_certificate(content(name, **overrides), NOW)))


def dictionary(value: PdfObject | None) -> DictionaryObject:
    """``value`` as the PDF dictionary it is: pypdf types every lookup as a bare ``PdfObject``."""
    return cast(DictionaryObject, value)


def page_fonts(reader: PdfReader) -> DictionaryObject:
    return dictionary(dictionary(reader.pages[0]["/Resources"])["/Font"])


def page_stream(reader: PdfReader) -> bytes:
    contents = reader.pages[0].get_contents()
    assert contents is not None
    return contents.get_data()


def page_text(reader: PdfReader) -> str:
    """Extracted text without control characters (pypdf leaves some around CJK and shaped glyphs)."""
    text = reader.pages[0].extract_text()
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch == "\n")


def font_names(reader: PdfReader) -> list[str]:
    fonts = page_fonts(reader)
    return sorted(str(dictionary(font.get_object())["/BaseFont"]).split("+")[-1] for font in fonts.values())


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Ångström-Łukasiewicz",
        "François Nguyễn Thị Đặng",
        "Αλέξανδρος Παπαδόπουλος",
        "Дмитрий Шостакович",
        "王小明",
        "山田 太郎",
        "김민준",
    ],
)
def test_left_to_right_names_are_extractable_exactly(name: str) -> None:
    lines = page_text(render(name)).splitlines()
    assert name in lines


@pytest.mark.parametrize("name", ["דוד בן-גוריון", "محمد بن سلمان", "Ἀριστοτέλης Σταγειρίτης"])
def test_right_to_left_and_shaped_names_keep_every_word(name: str) -> None:
    text = page_text(render(name))
    # pypdf gives shaped right-to-left runs in visual order: check the words, not their order.
    for word in name.replace("-", " ").split():
        assert word in text, word


def test_mixed_scripts_use_the_fallback_fonts_they_need_only() -> None:
    assert font_names(render("Anna Müller")) == ["NotoSans"]
    mixed = render("Ivan Петров 王 דוד")
    assert font_names(mixed) == ["NotoSans", "NotoSansCJKJP", "NotoSansHebrew"]


def test_long_names_are_shrunk_to_one_line() -> None:
    name = "José María Nuñez-García de la Peña y Villalobos Hernández-Montoya Ángel Bartolomé III"
    assert name in page_text(render(name)).splitlines()


def test_dates_code_and_certification_are_printed() -> None:
    text = page_text(render())
    assert "CCNP Enterprise" in text
    assert "Active April 1, 2025" in text
    assert "Expires April 1, 2028" in text
    assert "Verification code: K7MX3QPZ9A" in text
    assert URL in text


def test_qr_code_as_a_viewer_draws_it_decodes_to_the_verify_url() -> None:
    """Rasterise the page with PDFium (Chrome's PDF engine) and read the code like a phone would."""
    document = pdfium.PdfDocument(pdf.render_certificate(content(), NOW))
    image = document[0].render(scale=2).to_pil()
    assert [barcode.text for barcode in zxingcpp.read_barcodes(image)] == [URL]


def _qr_cells(data: bytes) -> set[tuple[int, int]]:
    """The (row, column) of every dark module the page draws, read back from its rectangles."""
    stream = page_stream(PdfReader(io.BytesIO(data))).decode("latin-1")
    block = re.search(r"q 0 g (.*?) f Q", stream)
    assert block is not None
    rects = [tuple(map(float, match)) for match in re.findall(r"(\S+) (\S+) (\S+) (\S+) re", block.group(1))]
    module = -rects[0][3]
    left = min(x for x, _, _, _ in rects)
    top = max(y for _, y, _, _ in rects)
    cells: set[tuple[int, int]] = set()
    for x, y, width, height in rects:
        assert height == pytest.approx(-module)
        row, first = round((top - y) / module), round((x - left) / module)
        cells.update((row, first + step) for step in range(round(width / module)))
    return cells


def test_qr_rectangles_are_exactly_the_modules_of_the_url() -> None:
    """Without a decoder: the vector code is segno's symbol for the URL, module by module."""
    matrix = segno.make(URL, error="m", micro=False, mask=0).matrix
    expected = {(row, col) for row, modules in enumerate(matrix) for col, dark in enumerate(modules) if dark}
    assert _qr_cells(pdf.render_certificate(content(), NOW)) == expected


def test_embedded_font_is_a_valid_subset_with_the_outlines_of_the_name() -> None:
    reader = render("Zoë Ångström-Łukasiewicz")
    font = dictionary(next(iter(page_fonts(reader).values())).get_object())
    descendant = cast(ArrayObject, font["/DescendantFonts"])[0].get_object()
    descriptor = dictionary(dictionary(descendant)["/FontDescriptor"])
    embedded = TTFont(io.BytesIO(cast(StreamObject, descriptor["/FontFile2"].get_object()).get_data()))
    glyphs = embedded["glyf"]
    assert len(embedded.getGlyphOrder()) < 120  # a subset, not the 4,500-glyph font
    assert embedded["maxp"].numGlyphs == len(embedded.getGlyphOrder())
    cmap = embedded.getBestCmap()
    for char in set("Zoë Ångström-Łukasiewicz Certificate of Achievement") - {" "}:
        glyph = glyphs[cmap[ord(char)]]
        assert glyph.numberOfContours != 0, char
        glyph.recalcBounds(glyphs)
        head = embedded["head"]
        assert head.xMin <= glyph.xMin and glyph.xMax <= head.xMax, char
        assert head.yMin <= glyph.yMin and glyph.yMax <= head.yMax, char


def test_landscape_page_and_metadata() -> None:
    reader = render("Zoë Ångström")
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "CCNP Enterprise certificate: Zoë Ångström"
    assert meta.author == "Certification Program"
    assert "K7MX3QPZ9A" in (meta.subject or "")
    root = dictionary(reader.trailer["/Root"])
    assert str(root["/Lang"]) == "en"
    assert bool(dictionary(root["/MarkInfo"])["/Marked"])
    assert bool(dictionary(root["/ViewerPreferences"])["/DisplayDocTitle"])


def _struct_elems(reader: PdfReader) -> list[Any]:
    tree = dictionary(dictionary(reader.trailer["/Root"])["/StructTreeRoot"])
    document = dictionary(cast(ArrayObject, tree["/K"])[0].get_object())
    return [kid.get_object() for kid in cast(ArrayObject, document["/K"])]


def test_text_is_tagged_for_screen_readers() -> None:
    elems = _struct_elems(render())
    types = [str(elem["/S"]) for elem in elems]
    assert types.count("/H1") == 1
    assert types.count("/H2") == 2
    assert types.count("/P") >= 4
    figure = next(elem for elem in elems if elem["/S"] == "/Figure")
    assert figure["/Alt"] == f"QR code linking to {URL}"


def test_holder_name_carries_actual_text_for_assistive_technology() -> None:
    data = page_stream(render("דוד בן-גוריון"))
    expected = "דוד בן-גוריון".encode("utf-16-be").hex().upper()
    assert f"/ActualText <FEFF{expected}>".encode() in data


def test_fonts_are_parsed_once_per_process() -> None:
    render("Ivan 王")
    first = pdf._load_font(pdf.FONTS[0])
    render("Ivan 王")
    assert pdf._load_font(pdf.FONTS[0]) is first
    assert pdf._load_font(pdf.FONTS[-1]) is pdf._cache["notocjk"]


def test_needs_shaping() -> None:
    assert not pdf.needs_shaping("Zoë Ångström")
    assert not pdf.needs_shaping("王小明")
    assert pdf.needs_shaping("דוד")
    assert pdf.needs_shaping("محمد")
    assert pdf.needs_shaping("Zoe\u0308")  # combining diaeresis


def test_format_date() -> None:
    assert pdf.format_date("2024-04-01") == "April 1, 2024"
    assert pdf.format_date("2030-12-31") == "December 31, 2030"


def test_logo_pdf_embeds_the_svg_artwork() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="240" viewBox="0 0 480 240">'
        '<text x="10" y="100" font-family="Helvetica" font-size="30">CCNA</text></svg>'
    )
    data = pdf.render_logo_pdf(pdf.LogoContent("ccna", "CCNA Certification", "Certification Program", svg), NOW)
    reader = PdfReader(io.BytesIO(data))
    assert "CCNA" in reader.pages[0].extract_text()
    assert reader.metadata is not None and reader.metadata.title == "CCNA Certification"

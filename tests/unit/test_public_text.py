"""The one public-text type (certtrack.fields.PublicText), checked on generated text (hypothesis)."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

import pytest
from certtrack.fields import BIDI_CONTROLS, ZERO_WIDTH, InvalidText, PublicText, Schema, clean_text
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

MAX = 40


class Line(Schema):
    value: Annotated[str, PublicText(max_length=MAX, min_length=1)]


class Block(Schema):
    value: Annotated[str, PublicText(max_length=MAX, multiline=True)]


C0_C1 = [chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))]
FORBIDDEN_EVERYWHERE = sorted(
    {*C0_C1, *BIDI_CONTROLS, *ZERO_WIDTH, "\u2028", "\u2029", "\u00ad", "\U000e0041", "\ue000", "\ufffe"} - {"\n", "\r"}
)  # CR: a line break in multi-line fields (test_newlines_only_in_multi_line_fields_and_always_as_lf)
_MESSAGE = re.compile(r"^must not contain [a-z ,()-]+ \(U\+[0-9A-F]{4,6} at character \d+\)$")


def _refused(model: type[Schema], value: str) -> dict[str, object]:
    with pytest.raises(ValidationError) as info:
        model.model_validate({"value": value})
    [error] = info.value.errors()
    assert error["loc"] == ("value",)
    return dict(error)


def _allowed(ch: str, multiline: bool) -> bool:
    if ch == "\n":
        return multiline
    return unicodedata.category(ch)[0] != "C" and ch not in "\u2028\u2029"


# Letters, marks, digits, punctuation, symbols and spaces of every script: what people type.
printable = st.characters(categories=["L", "M", "N", "P", "S", "Zs"])
# ... and anything at all, surrogates included (JSON "\ud800" decodes to one).
anything = st.characters(codec=None, exclude_categories=[])


@settings(max_examples=300)
@given(st.text(anything, max_size=60))
@example("Caf\u0065\u0301 \u202eevil")
def test_whatever_is_accepted_is_clean_nfc_stripped_and_short_enough(value: str) -> None:
    for model, multiline in ((Line, False), (Block, True)):
        try:
            out = model.model_validate({"value": value}).value  # type: ignore[attr-defined]
        except ValidationError:
            continue
        assert all(_allowed(ch, multiline) for ch in out)
        assert not (BIDI_CONTROLS | ZERO_WIDTH) & set(out)
        assert unicodedata.is_normalized("NFC", out)
        assert out == out.strip()
        assert len(out) <= MAX
        assert model.model_validate({"value": out}).value == out  # type: ignore[attr-defined]  # idempotent


@given(st.text(printable, min_size=1, max_size=MAX).filter(lambda s: s.strip()))
def test_printable_text_of_every_script_is_accepted(value: str) -> None:
    expected = unicodedata.normalize("NFC", value).strip()
    assert Line.model_validate({"value": value}).value == expected


@given(
    st.text(printable, max_size=15),
    st.sampled_from(FORBIDDEN_EVERYWHERE),
    st.text(printable, max_size=15),
    st.sampled_from([Line, Block]),
)
@example("Acme ", "\u202e", "gpj.exe", Line)  # the classic right-to-left override
@example("Jo", "\u200b", "hn", Block)
def test_a_forbidden_character_anywhere_inside_is_refused(left: str, bad: str, right: str, model: type[Schema]) -> None:
    value = f"x{left}{bad}{right}x"
    error = _refused(model, value)
    assert error["type"] == "invalid_characters"
    message = str(error["msg"])
    assert _MESSAGE.match(message), message  # a fixed ASCII phrase and a code point: never the text
    position = unicodedata.normalize("NFC", value).index(bad) + 1
    assert message.endswith(f"(U+{ord(bad):04X} at character {position})")


@given(st.text(printable, max_size=10), st.text(printable, max_size=10), st.sampled_from(["\n", "\r\n", "\r"]))
def test_newlines_only_in_multi_line_fields_and_always_as_lf(top: str, bottom: str, newline: str) -> None:
    value = f"a{top}{newline}{bottom}b"
    assert Block.model_validate({"value": value}).value == unicodedata.normalize("NFC", f"a{top}\n{bottom}b")
    assert _refused(Line, value)["type"] == "invalid_characters"


@given(st.text(printable, min_size=1, max_size=MAX).filter(lambda s: s.strip()))
def test_nfd_and_nfc_input_give_the_same_value(value: str) -> None:
    decomposed = unicodedata.normalize("NFD", value)
    try:
        composed = Line.model_validate({"value": unicodedata.normalize("NFC", value)}).value
    except ValidationError:  # NFC of a few characters is longer than their NFD; both must then fail
        _refused(Line, decomposed)
        return
    assert Line.model_validate({"value": decomposed}).value == composed


@given(st.integers(min_value=1, max_value=MAX + 5))
def test_length_is_counted_in_characters_after_normalising(n: int) -> None:
    decomposed = "e\u0301" * n  # 2n code points, n characters once composed
    if n <= MAX:
        assert Line.model_validate({"value": decomposed}).value == "\u00e9" * n
    else:
        error = _refused(Line, decomposed)
        assert error["type"] == "string_too_long" and error["msg"] == f"must have at most {MAX} characters"


@pytest.mark.parametrize("value", ["", "   ", "\n", "\u3000"])
def test_blank_is_empty(value: str) -> None:
    assert _refused(Line, value)["type"] == "string_too_short"
    assert Block.model_validate({"value": value}).value == ""


@pytest.mark.parametrize("value", [5, None, ["a"], {"a": 1}, True])
def test_only_strings(value: object) -> None:
    with pytest.raises(ValidationError):
        Line.model_validate({"value": value})


def test_json_schema_has_the_lengths() -> None:
    schema = Line.model_json_schema()["properties"]["value"]
    assert (schema["type"], schema["maxLength"], schema["minLength"]) == ("string", MAX, 1)
    assert "minLength" not in Block.model_json_schema()["properties"]["value"]


def test_clean_text_names_the_character_and_its_position() -> None:
    with pytest.raises(InvalidText, match=r"bidirectional text controls \(U\+202E at character 5\)"):
        clean_text("Acme\u202egpj.exe")
    with pytest.raises(InvalidText, match=r"line breaks"):
        clean_text("two\nlines")
    assert clean_text("  two\r\nlines \n", multiline=True) == "two\nlines"
    assert clean_text("Zoë 👍🏽 ❤️ 🇩🇪") == "Zoë 👍🏽 ❤️ 🇩🇪"  # modifiers, variation selectors, flags are fine
    with pytest.raises(InvalidText, match="zero-width"):
        clean_text("👨\u200d👩\u200d👧")  # joined emoji sequences are refused with the joiner

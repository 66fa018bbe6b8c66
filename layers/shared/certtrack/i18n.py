"""The languages of what the server writes: emails, public pages and PDFs (English, Japanese).

English is the source: every message id is the English text, in the templates
(``{% trans %}…{% endtrans %}``, whitespace trimmed) and in code (``translate(language, "…")``).
Japanese lives in ``locales/ja.po`` (gettext PO, read with Babel when first needed: no compiled
``.mo`` for the build to produce or forget). Which language a reader gets is ``choose``: the
candidate's stored setting, else the request's ``Accept-Language`` (best match of en/ja), else
English (docs/notes/language.md).

Dates, numbers and money go through Babel in the reader's locale (``format_date``,
``format_decimal``, ``format_currency``). Babel is imported on first use, never at cold start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certtrack.fields import LANGUAGES, Language

__all__ = ["LANGUAGES", "Language"]  # re-exported: the handlers name a language through this module

if TYPE_CHECKING:
    from jinja2 import Environment

DEFAULT: Language = "en"
LOCALES = Path(__file__).parent / "locales"
_BABEL_LOCALE = {"en": "en_US", "ja": "ja_JP"}


def negotiate(accept_language: str | None) -> Language:
    """The best of en/ja for an ``Accept-Language`` header (RFC 9110 q-values; ``*`` and anything
    else count for nothing); English when nothing matches."""
    best: tuple[float, int, Language] | None = None
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        candidate = (quality, -position, primary)
        if best is None or candidate[:2] > best[:2]:
            best = candidate  # type: ignore[assignment]  # primary is one of LANGUAGES (checked above)
    return best[2] if best else DEFAULT


def choose(stored: object = None, accept_language: str | None = None) -> Language:
    """The reader's language: a stored choice wins, then the request's header, then English."""
    for language in LANGUAGES:
        if stored == language:
            return language
    return negotiate(accept_language)


# ---------------------------------------------------------------- catalogues


@cache
def catalogue(language: str) -> dict[str, Any]:
    """``{msgid: translation}`` (a tuple of forms for plural messages); empty for English."""
    if language == DEFAULT:
        return {}
    from babel.messages.pofile import read_po

    with (LOCALES / f"{language}.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    out: dict[str, Any] = {}
    for message in catalog:
        if message.id and message.string and not message.fuzzy:
            key = str(message.id[0]) if isinstance(message.id, (tuple, list)) else str(message.id)
            out[key] = message.string
    return out


def N_(message: str) -> str:
    """Marks a message made in code for the catalogue; translated where it is shown (``|t``)."""
    return message


def translate(language: str, message: str) -> str:
    found = catalogue(language).get(message)
    return found if isinstance(found, str) and found else message


def translate_plural(language: str, singular: str, plural: str, n: int) -> str:
    found = catalogue(language).get(singular)
    if isinstance(found, tuple) and found:
        return str(found[0 if len(found) == 1 or n == 1 else 1])  # ja has one form, en two
    return singular if n == 1 else plural


# ---------------------------------------------------------------- formatting


@dataclass(frozen=True)
class Money:
    cents: int
    currency: str


def locale_of(language: str) -> str:
    return _BABEL_LOCALE.get(language, _BABEL_LOCALE[DEFAULT])


def format_date(value: date | str, language: str, form: str = "long") -> str:
    """``long``: December 10, 2019 / 2019年12月10日; ``full`` adds the weekday."""
    from babel.dates import format_date as babel_date

    day = date.fromisoformat(value) if isinstance(value, str) else value
    return str(babel_date(day, format=form, locale=locale_of(language)))


def format_number(value: float, language: str) -> str:
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=locale_of(language)))


def format_money(value: Money | int, language: str, currency: str = "USD") -> str:
    """A ``Money`` (or whole cents in ``currency``): $1,234.50 / $1,234.50 (ja: ``US$`` only where
    Babel's Japanese data says so)."""
    from babel.numbers import format_currency

    if not isinstance(value, Money):
        value = Money(value, currency)
    amount = value.cents / 100
    return str(format_currency(amount, value.currency, locale=locale_of(language)))


# ---------------------------------------------------------------- Jinja2


def install(env: Environment, language: str) -> Environment:
    """Give an environment (made with ``jinja2.ext.i18n``) this language's messages and filters:
    ``|date`` (long), ``|full_date``, ``|number``, ``|money``; ``language`` is a global."""

    def gettext(message: str) -> str:
        return translate(language, message)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return translate_plural(language, singular, plural, n)

    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]  # added by the i18n extension
    env.filters["date"] = lambda value: format_date(value, language)
    env.filters["full_date"] = lambda value: format_date(value, language, "full")
    env.filters["number"] = lambda value: format_number(value, language)
    env.filters["money"] = lambda value, currency="USD": format_money(value, language, currency)
    env.filters["t"] = lambda message: translate(language, str(message))  # a message made in code: stays escaped
    env.globals["language"] = language
    return env

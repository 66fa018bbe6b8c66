"""Public HTML pages: certificate verification, shared transcripts, the reminder unsubscribe answer.

One layout, ``templates/pages/base.html`` (language, viewport, not indexed, no referrer, one inline
stylesheet), and one header policy: a Content-Security-Policy that allows nothing but the page's
own stylesheet, named by its hash (``frame-ancestors 'none'`` in it: a header, since browsers
ignore that directive in a meta tag), ``X-Frame-Options: DENY`` for browsers that predate it,
and the privacy headers every public answer carries. ``Cache-Control`` is each page's own;
``certtrack.api`` adds ``no-store`` and ``nosniff`` to any answer that did not set them.

Pages render through their own Jinja2 environment, which sees only ``templates/pages/``; emails
have theirs (``certtrack.email``). A page is in the viewer's language (``language``: the request's
``Accept-Language`` through ``certtrack.i18n.negotiate``), English by default.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certtrack import i18n

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).parent / "templates" / "pages"

PRIVACY_HEADERS = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "no-referrer"}
FRAME_HEADERS = {"X-Frame-Options": "DENY"}  # and frame-ancestors 'none' in the policy below

_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def style_source(css: str) -> str:
    """The CSP source expression of one inline stylesheet: ``'sha256-<base64>'``."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(css.encode('utf-8')).digest()).decode()}'"


def content_security_policy(*styles: str, form_action: str = "'none'") -> str:
    """``form_action`` is ``'self'`` only for a page whose form posts back to itself (unsubscribe)."""
    style_src = " ".join(style_source(css) for css in styles) or "'none'"
    return (
        f"default-src 'none'; style-src {style_src}; img-src 'none'; base-uri 'none'; "
        f"form-action {form_action}; frame-ancestors 'none'"
    )


LANGUAGE_VARY = {"Vary": "Accept-Language"}  # a page is in the viewer's language (its own header: a cache keys on it)


def page_headers(html: str, *, form_action: str = "'none'") -> dict[str, str]:
    """Privacy and framing headers and a CSP allowing only the rendered page's own inline
    stylesheet(s); ``Vary: Accept-Language``, as the page is in the viewer's language."""
    return {
        **PRIVACY_HEADERS,
        **FRAME_HEADERS,
        **LANGUAGE_VARY,
        "Content-Security-Policy": content_security_policy(*_STYLE.findall(html), form_action=form_action),
    }


@cache
def jinja_env(language: str = i18n.DEFAULT) -> Environment:
    """The pages' Jinja2 environment of one language (autoescaped HTML), imported on first use."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    return i18n.install(env, language)


def render(name: str, *, language: str = i18n.DEFAULT, **context: Any) -> str:
    """The HTML of ``templates/pages/<name>`` in ``language`` (en/ja; anything else: English)."""
    return jinja_env(i18n.choose(language)).get_template(name).render(**context)

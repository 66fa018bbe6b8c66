"""The web client's message catalogues (``web/i18n/{en,ja}.js``) as node reads them: the unit and
browser tests of the languages check the same objects the page loads."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def web_catalogues() -> dict[str, dict[str, str]]:
    script = (
        "const [en, ja] = await Promise.all([import('./web/i18n/en.js'), import('./web/i18n/ja.js')]);"
        "console.log(JSON.stringify({ en: en.default, ja: ja.default }));"
    )
    out = subprocess.run(
        ["node", "--input-type=module", "-e", script], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    result: dict[str, dict[str, str]] = json.loads(out.stdout)
    return result

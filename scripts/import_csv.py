"""Import a CSV file into a running local system (the dev server), as an operator would drop it in S3.

    python scripts/import_csv.py exams file.csv [--url http://127.0.0.1:3000]
    python scripts/import_csv.py ce-credits file.csv

It posts the file to ``/_local/imports/{kind}``, which puts it in the imports bucket and runs the
import handler on the S3 event (the same code path as production), and prints the report.
Exit status: 0 all rows imported, 1 some rows rejected, 2 the import could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
from pathlib import Path

from local_client import post_local  # scripts/, beside this file

KINDS = ("exams", "ce-credits")


def post(url: str, kind: str, body: bytes, timeout: float = 300) -> dict[str, object]:
    return post_local(url, f"/_local/imports/{kind}", body, "text/csv", timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("file", type=Path)
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('PORT', '3000')}")
    args = parser.parse_args(argv)
    try:
        body = args.file.read_bytes()
    except OSError as error:
        print(f"cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        report = post(args.url, args.kind, body)
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return 2
    except urllib.error.HTTPError as error:
        print(f"import failed: HTTP {error.code}: {error.read().decode(errors='replace')}", file=sys.stderr)
        return 2
    except urllib.error.URLError as error:
        print(f"cannot reach {args.url} ({error.reason}); is `make run` serving?", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2, ensure_ascii=False))
    rejected = report.get("rejected")
    rejected = rejected if isinstance(rejected, list) else []
    summary = f"{report.get('imported', 0)} of {report.get('rows', 0)} rows imported, {len(rejected)} rejected"
    print(summary, file=sys.stderr)
    return 1 if rejected else 0


if __name__ == "__main__":
    sys.exit(main())

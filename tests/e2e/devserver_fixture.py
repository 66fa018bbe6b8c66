"""Start the dev server (``python -m local.devserver``) in a subprocess for end-to-end tests.

``running_devserver()`` is a context manager yielding the base URL; ``devserver`` is a
session-scoped pytest fixture over it (import it into a conftest or a test module).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120  # a loaded 2-core machine needs more than a minute for the artifact server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_devserver(env: dict[str, str] | None = None, args: list[str] | None = None) -> Iterator[str]:
    """Run the dev server on a free port until the block ends; yields ``http://127.0.0.1:<port>``.

    ``env`` adds to (or overrides) the inherited environment; variables the template declares are
    set by the server itself. ``args`` are the server's options (``--artifact``, ``--web-port`` …).
    Fails with the server's stderr if it exits or is not ready in 60 s.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "local.devserver", *(args or [])],
            cwd=ROOT,
            env={**os.environ, **(env or {}), "PORT": str(port)},
            stdout=stdout,
            stderr=stderr,
        )
        try:
            _wait_until_healthy(base_url, process, stderr)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], stderr: IO[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dev server exited with {process.returncode}:\n{_read(stderr)}")
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"dev server not healthy after {START_TIMEOUT_S:.0f} s:\n{_read(stderr)}")


def _read(stream: IO[bytes]) -> str:
    stream.seek(0)
    return stream.read().decode("utf-8", "replace")[-20_000:]


@pytest.fixture(scope="session")
def devserver() -> Iterator[str]:
    """The base URL of one dev server shared by the test session."""
    with running_devserver() as base_url:
        yield base_url

"""Fixtures for document tests: a counter of S3 puts and an S3 that fails on put."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from certtrack import documents


class PutRecorder:
    """Counts ``documents.put`` calls; fails them while ``failing`` is set."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.keys: list[str] = []
        self.failing = False

    def __call__(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        if self.failing:
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "slow down"}}, "PutObject")
        self.keys.append(key)
        self.real(bucket, key, body, content_type)


@pytest.fixture
def puts(monkeypatch: pytest.MonkeyPatch) -> Iterator[PutRecorder]:
    recorder = PutRecorder(documents.put)
    monkeypatch.setattr(documents, "put", recorder)
    yield recorder

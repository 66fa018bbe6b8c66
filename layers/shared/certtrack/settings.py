"""Typed settings, parsed once from environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass(frozen=True)
class Settings:
    table_name: str
    documents_bucket: str
    imports_bucket: str
    sender_email: str
    ses_configuration_set: str
    public_base_url: str
    candidate_prefix: str
    stage: str
    signing_secret: str
    presign_seconds: int
    max_body_bytes: int
    transcript_max_days: int
    due_shards: int
    region: str

    @property
    def is_local(self) -> bool:
        return self.stage == "local"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once per process (cold start)."""
    env = os.environ
    return Settings(
        table_name=env.get("TABLE_NAME", "certtrack"),
        documents_bucket=env.get("DOCUMENTS_BUCKET", "certtrack-documents"),
        imports_bucket=env.get("IMPORTS_BUCKET", "certtrack-imports"),
        sender_email=env.get("SENDER_EMAIL", "no-reply@certs.example.com"),
        ses_configuration_set=env.get("SES_CONFIGURATION_SET", ""),
        public_base_url=env.get("PUBLIC_BASE_URL", "http://127.0.0.1:3000").rstrip("/"),
        candidate_prefix=env.get("CANDIDATE_PREFIX", "CSCO"),
        stage=env.get("STAGE", "local"),
        signing_secret=env.get("SIGNING_SECRET", "local-signing-secret-not-for-production"),
        presign_seconds=_int("PRESIGN_SECONDS", 300),
        max_body_bytes=_int("MAX_BODY_BYTES", 262_144),
        transcript_max_days=_int("TRANSCRIPT_MAX_DAYS", 365),
        due_shards=_int("DUE_SHARDS", 8),
        region=env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1")),
    )

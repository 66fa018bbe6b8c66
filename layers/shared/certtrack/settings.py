"""Typed settings, read once from the environment; secrets and the public URL read at run time.

``get_settings()`` validates the environment the template gives every function with a pydantic
model (each field's alias is its variable). Not pydantic-settings' ``BaseSettings``: it brings
python-dotenv and its own source machinery, ≈ 10 % of a cold import (``bench.bench_cold_import``),
for a reading this module does in one line. A required value
that is missing stops the function at init (``MissingSettings``, with one log line naming every
missing variable): there are no defaults for what a deployment must decide. The values that are
not plain configuration are resolved when first used, through Powertools parameters (cached):

- the signing secret lives in Secrets Manager (``SIGNING_SECRET_ARN``, only on the functions that
  sign or check links), and so does the badge signing key set (``BADGE_KEYS_SECRET_ARN``, the
  certifications function); no secret is ever in an environment variable;
- the payment provider's keys (secret key, publishable key, webhook signing secret) are one JSON
  secret in Secrets Manager (``PAYMENT_SECRET_ARN``, fulfillment only); ``PAYMENT_API_BASE`` is the
  provider's API origin when it is not the provider's own (the local Stripe-compatible server);
- the public base URL is either given (``PUBLIC_BASE_URL``: a custom domain known in advance, the
  tests) or read from the SSM parameter the stack writes once the CDN exists
  (``PUBLIC_BASE_URL_PARAMETER``): the distribution's domain cannot be in the functions'
  environment, because the distribution points at the API that points at the functions.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, model_validator

from certtrack.telemetry import logger

PaymentProviderName = Literal["disabled", "stripe"]
# Secrets and the base URL change only with a deployment or a rotation: re-read every 5 minutes.
PARAMETER_MAX_AGE_S = 300


class MissingSettings(RuntimeError):
    """The function cannot start: its environment lacks required values (or has invalid ones)."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", alias_generator=str.upper)

    stage: str
    table_name: str
    documents_bucket: str
    imports_bucket: str
    sender_email: str
    candidate_prefix: str
    region: str = Field(validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    ses_configuration_set: str = ""
    public_base_url_value: str | None = Field(default=None, alias="PUBLIC_BASE_URL")
    public_base_url_parameter: str | None = None
    signing_secret_arn: str | None = None
    badge_keys_secret_arn: str | None = None
    mapping_mail_queue_url: str | None = None
    import_chunks_queue_url: str | None = None
    user_pool_id: str | None = None  # the Cognito user pool (AuthMapping: a candidate erases their login)
    payment_provider: PaymentProviderName = "disabled"
    payment_secret_arn: str | None = None
    payment_api_base: str | None = None
    presign_seconds: int = Field(default=300, gt=0)
    max_body_bytes: int = Field(default=262_144, gt=0)
    transcript_max_days: int = Field(default=365, gt=0)
    due_shards: int = Field(default=8, gt=0)
    expiry_queue_url: str | None = None  # the daily check's shard jobs (fan-out and continuations)
    expiry_workers: int = Field(default=1, gt=0)  # the shard worker's concurrency: SES's rate is shared

    @classmethod
    def from_environ(cls) -> Settings:
        return cls.model_validate(dict(os.environ))

    @model_validator(mode="after")
    def _base_url_source(self) -> Settings:
        if not (self.public_base_url_value or self.public_base_url_parameter):
            raise ValueError("PUBLIC_BASE_URL or PUBLIC_BASE_URL_PARAMETER is required")
        return self

    @property
    def public_base_url(self) -> str:
        """The portal's public origin (+ path), without a trailing slash."""
        if self.public_base_url_value:
            return self.public_base_url_value.rstrip("/")
        assert self.public_base_url_parameter is not None
        return _parameter(self.public_base_url_parameter).rstrip("/")

    @property
    def signing_secret(self) -> bytes:
        """The key of signed links (reminder unsubscribe tokens), from Secrets Manager."""
        if not self.signing_secret_arn:
            raise MissingSettings("SIGNING_SECRET_ARN is not set for this function")
        return _secret(self.signing_secret_arn).encode("utf-8")

    @property
    def badge_keys(self) -> str:
        """The badge signing key set (JSON, ``certtrack.badges.keyset``), from Secrets Manager."""
        if not self.badge_keys_secret_arn:
            raise MissingSettings("BADGE_KEYS_SECRET_ARN is not set for this function")
        return _secret(self.badge_keys_secret_arn)

    @property
    def payment_secret(self) -> dict[str, str]:
        """The payment provider's keys (``secret_key``, ``publishable_key``, ``webhook_secret``)."""
        if not self.payment_secret_arn:
            raise MissingSettings("PAYMENT_SECRET_ARN is not set for this function")
        from aws_lambda_powertools.utilities import parameters

        value = parameters.get_secret(self.payment_secret_arn, transform="json", max_age=PARAMETER_MAX_AGE_S)
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    @property
    def mapping_mail_queue(self) -> str:
        """The queue of ``/mapping/email`` requests (the function that answers them sends to it)."""
        if not self.mapping_mail_queue_url:
            raise MissingSettings("MAPPING_MAIL_QUEUE_URL is not set for this function")
        return self.mapping_mail_queue_url

    @property
    def import_chunks_queue(self) -> str:
        """The queue of import chunks (the S3-triggered import sends to it, its worker reads it)."""
        if not self.import_chunks_queue_url:
            raise MissingSettings("IMPORT_CHUNKS_QUEUE_URL is not set for this function")
        return self.import_chunks_queue_url

    @property
    def expiry_queue(self) -> str:
        """The queue of the daily check's shard jobs (the schedule and the worker send to it)."""
        if not self.expiry_queue_url:
            raise MissingSettings("EXPIRY_QUEUE_URL is not set for this function")
        return self.expiry_queue_url


def _parameter(name: str) -> str:
    from aws_lambda_powertools.utilities import parameters

    return str(parameters.get_parameter(name, max_age=PARAMETER_MAX_AGE_S))


def _secret(arn: str) -> str:
    from aws_lambda_powertools.utilities import parameters

    return str(parameters.get_secret(arn, max_age=PARAMETER_MAX_AGE_S))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read and check the environment once per process (at init)."""
    try:
        return Settings.from_environ()
    except ValidationError as error:
        problems = sorted({_variable(e["loc"], e["msg"]) for e in error.errors()})
        logger.error("missing or invalid settings; the function cannot start", extra={"settings": problems})
        raise MissingSettings("missing or invalid settings: " + "; ".join(problems)) from None


def _variable(loc: tuple[int | str, ...], message: str) -> str:
    """``TABLE_NAME: Field required`` (the variable, as the location is the field's alias)."""
    if not loc:
        return message.removeprefix("Value error, ")
    return f"{loc[0]}: {message}"

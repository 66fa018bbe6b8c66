"""Documents in S3: store once, hand out short-lived presigned GET URLs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from certtrack.settings import get_settings


@lru_cache(maxsize=1)
def s3() -> Any:
    import boto3  # on first use: boto3 (and s3transfer under it) is not part of a cold start

    # Virtual-hosted addressing: presigned URLs name the bucket's regional endpoint
    # (https://<bucket>.s3.<region>.amazonaws.com), which a browser reaches without the redirect
    # the global one answers for a new bucket outside us-east-1. An IP endpoint (moto) stays path-style.
    config = Config(signature_version="s3v4", s3={"addressing_style": "virtual"})
    return boto3.client("s3", region_name=get_settings().region, config=config)


def exists(bucket: str, key: str) -> bool:
    try:
        s3().head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return False
        raise
    return True


def put(bucket: str, key: str, body: bytes, content_type: str) -> None:
    s3().put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, ServerSideEncryption="AES256")


class TooLarge(Exception):
    """An object over the caller's limit; nothing of its body was kept."""

    def __init__(self, size: int) -> None:
        super().__init__(f"object of {size} bytes")
        self.size = size


def get_bytes(bucket: str, key: str, max_bytes: int | None = None) -> bytes:
    """The object's body; ``TooLarge`` when over ``max_bytes`` (from its Content-Length, before reading)."""
    response = s3().get_object(Bucket=bucket, Key=key)
    if max_bytes is None:
        return bytes(response["Body"].read())
    size = int(response.get("ContentLength", 0))
    if size > max_bytes:
        response["Body"].close()
        raise TooLarge(size)
    body = bytes(response["Body"].read(max_bytes + 1))  # never more, whatever the header said
    if len(body) > max_bytes:
        raise TooLarge(len(body))
    return body


def stream(bucket: str, key: str, max_bytes: int, block: int = 1 << 20) -> Iterator[bytes]:
    """The object's body in blocks of ``block`` bytes, never whole in memory; ``TooLarge`` when over
    ``max_bytes`` (from its Content-Length before any block, and counted while reading)."""
    response = s3().get_object(Bucket=bucket, Key=key)
    body = response["Body"]
    size = int(response.get("ContentLength", 0))
    if size > max_bytes:
        body.close()
        raise TooLarge(size)
    read = 0
    try:
        for data in body.iter_chunks(block):
            read += len(data)
            if read > max_bytes:  # the object grew since: never more than the limit
                raise TooLarge(read)
            yield data
    finally:
        body.close()


def get_range(bucket: str, key: str, start: int, end: int) -> bytes:
    """Bytes ``start`` to ``end`` (exclusive) of the object: one ranged GET."""
    if end <= start:
        return b""
    response = s3().get_object(Bucket=bucket, Key=key, Range=f"bytes={start}-{end - 1}")
    return bytes(response["Body"].read())


def presigned_get(bucket: str, key: str, filename: str, content_type: str, now: datetime) -> tuple[str, str]:
    """A GET URL valid for ``PRESIGN_SECONDS`` that downloads as ``filename``; (url, expires_at)."""
    seconds = get_settings().presign_seconds
    url = s3().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": bucket,
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
            "ResponseContentType": content_type,
        },
        ExpiresIn=seconds,
    )
    expires_at = (now + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return url, expires_at


def presigned_post(bucket: str, key: str, content_type: str, max_bytes: int) -> tuple[str, dict[str, str]]:
    """A browser form upload of exactly ``key``: (url, fields), valid for ``PRESIGN_SECONDS``.

    The signed policy holds S3 to the key, the content type and 1 to ``max_bytes`` bytes; the
    form sends ``fields`` (with ``Content-Type``) and then the file as its last field.
    """
    post = s3().generate_presigned_post(
        bucket,
        key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=get_settings().presign_seconds,
    )
    return str(post["url"]), {str(name): str(value) for name, value in post["fields"].items()}

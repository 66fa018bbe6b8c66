"""The Powertools Logger, Tracer and Metrics every entry point shares.

The Tracer patches botocore only: boto3's clients and PynamoDB's connection both call AWS through
``botocore.client.BaseClient._make_api_call``, so every DynamoDB, S3 and SES call is a subsegment.
Without ``patch_modules`` the X-Ray SDK's ``patch_all`` imports ``requests``, ``httplib``,
``sqlite3`` and the rest of its list to patch them: ≈ 100 ms of a cold start for libraries no
function uses (``python -m bench.bench_cold_import``).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

TRACED_MODULES = ("botocore",)

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics(namespace="CertTrack")

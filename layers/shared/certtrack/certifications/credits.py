"""A CE credit item as the imports and the operators' console both store it (one constructor)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from certtrack import keys
from certtrack.certifications import due
from certtrack.certifications.models import CECreditItem
from certtrack.program import rules
from certtrack.program.catalog import Catalog, load_catalog


def credit_item(
    candidate_id: str,
    external_id: str,
    activity_name: str,
    provider_name: str,
    points: Decimal,
    active_date: date,
    now: datetime,
    *,
    catalog: Catalog | None = None,
    source: str | None = None,
    import_source: str | None = None,
) -> CECreditItem:
    """Inactive after the catalog's CE validity; on the due index until then (the daily check
    marks it inactive on that day, like certifications)."""
    inactive = rules.add_years(active_date, (catalog or load_catalog()).ce_validity_years)
    item = CECreditItem(
        keys.candidate_pk(candidate_id),
        keys.ce_sk(external_id),
        candidate_id=candidate_id,
        external_id=external_id,
        activity_name=activity_name,
        provider_name=provider_name,
        points=float(points),
        active_date=active_date,
        inactive_date=inactive,
        status="active" if inactive > now.date() else "inactive",
        import_source=import_source,
        updated_at=now,
    )
    if source is not None:
        item.source = source
    if item.status == "active":
        item.GSI2PK, item.GSI2SK = due.credit_due(item.PK, item.SK, inactive)
    return item

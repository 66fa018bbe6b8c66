"""The certification program as data: loaded once from ``catalog.json`` into frozen dataclasses.

Requirement trees are nodes of type ``all`` (every child), ``any`` (``count`` children),
``exams`` (pass ``count`` exams of a set inside the period), ``ce`` (earn ``points`` CE points
active inside the period) and ``hold`` (hold certification ``cert`` active).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

CATALOG_PATH = Path(__file__).with_name("catalog.json")


@dataclass(frozen=True)
class Requirement:
    id: str
    label: str
    type: str  # "all" | "any" | "exams" | "ce" | "hold"
    count: int = 1
    points: int = 0
    exams: tuple[str, ...] = ()
    cert: str | None = None
    children: tuple[Requirement, ...] = ()

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Requirement:
        return cls(
            id=raw["id"],
            label=raw["label"],
            type=raw["type"],
            count=int(raw.get("count", 1)),
            points=int(raw.get("points", 0)),
            exams=tuple(raw.get("exams", ())),
            cert=raw.get("cert"),
            children=tuple(cls.from_dict(child) for child in raw.get("children", ())),
        )


@dataclass(frozen=True)
class Logo:
    id: str
    name: str
    years_held: int = 0  # achievement logos: years the certification has been held


@dataclass(frozen=True)
class Kit:
    sku: str
    name: str
    kind: str  # "certificate" | "plaque" | "letter"
    price_cents: int
    initial_kit: bool


@dataclass(frozen=True)
class Certification:
    id: str
    name: str
    abbreviation: str
    category: str
    level: int
    validity_years: int
    initial: Requirement
    recertification: Requirement
    renews: tuple[str, ...] = ()
    grants_attributes: tuple[str, ...] = ()
    logos: tuple[Logo, ...] = ()
    kits: tuple[Kit, ...] = ()

    @property
    def is_expert(self) -> bool:
        return bool(self.grants_attributes)


@dataclass(frozen=True)
class AttributeDefinition:
    key: str
    label: str
    editable: bool = False
    max_length: int = 100
    first_number: int = 1  # attributes granted on earning (expert numbers) count up from here


@dataclass(frozen=True)
class Catalog:
    program: str
    currency: str
    tracking_fee_cents: int
    payment_methods: tuple[str, ...]
    ce_validity_years: int
    logo_agreement_version: str
    logo_agreement_text: str
    attributes: tuple[AttributeDefinition, ...]
    agreements: dict[str, str]
    exams: dict[str, str]
    certifications: tuple[Certification, ...]
    exam_validity_years: int = 3
    _by_id: dict[str, Certification] = field(default_factory=dict, compare=False, repr=False)

    def certification(self, cert_id: str) -> Certification | None:
        return self._by_id.get(cert_id)

    def attribute(self, key: str) -> AttributeDefinition | None:
        return next((a for a in self.attributes if a.key == key), None)

    def agreement_name(self, value: str) -> str | None:
        """The agreement's display name from its id or its name (case-insensitive); None if unknown."""
        wanted = value.strip().casefold()
        for agreement_id, name in self.agreements.items():
            if wanted in (agreement_id.casefold(), name.casefold()):
                return name
        return None

    def kit(self, sku: str) -> tuple[Certification, Kit] | None:
        for cert in self.certifications:
            for kit in cert.kits:
                if kit.sku == sku:
                    return cert, kit
        return None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Catalog:
        certs = tuple(
            Certification(
                id=c["id"],
                name=c["name"],
                abbreviation=c["abbreviation"],
                category=c["category"],
                level=int(c.get("level", 1)),
                validity_years=int(c["validity_years"]),
                initial=Requirement.from_dict(c["initial"]),
                recertification=Requirement.from_dict(c["recertification"]),
                renews=tuple(c.get("renews", ())),
                grants_attributes=tuple(c.get("grants_attributes", ())),
                logos=tuple(Logo(**logo) for logo in c.get("logos", ())),
                kits=tuple(Kit(**kit) for kit in c.get("kits", ())),
            )
            for c in raw["certifications"]
        )
        return cls(
            program=raw["program"],
            currency=raw["currency"],
            tracking_fee_cents=int(raw["tracking_fee_cents"]),
            payment_methods=tuple(raw["payment_methods"]),
            ce_validity_years=int(raw["ce_validity_years"]),
            logo_agreement_version=raw["logo_agreement"]["version"],
            logo_agreement_text=raw["logo_agreement"]["text"],
            attributes=tuple(AttributeDefinition(**a) for a in raw["attributes"]),
            agreements={k: v["name"] for k, v in raw["agreements"].items()},
            exams=dict(raw["exams"]),
            certifications=certs,
            exam_validity_years=int(raw.get("exam_validity_years", 3)),
            _by_id={c.id: c for c in certs},
        )


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The program's catalog, parsed once per process."""
    return Catalog.from_dict(json.loads(CATALOG_PATH.read_text(encoding="utf-8")))

"""The export is complete by construction: every item type of a candidate's partition has a
section, and the stored values become plain JSON."""

from __future__ import annotations

import importlib
import pkgutil
import re

import certtrack
import pytest
from certtrack import keys
from certtrack.db import TableItem, item_type
from certtrack.privacy.export import plain, plain_item
from certtrack.privacy.sections import ERASABLE, OUTSIDE_PARTITION, SECTIONS


def every_model() -> list[type[TableItem]]:
    """Every item model of certtrack: each of its modules imported, then TableItem's subclasses."""
    for module in pkgutil.walk_packages(certtrack.__path__, "certtrack."):
        importlib.import_module(module.name)
    found: list[type[TableItem]] = []
    todo = list(TableItem.__subclasses__())
    while todo:
        model = todo.pop()
        found.append(model)
        todo.extend(model.__subclasses__())
    return found


def test_every_registered_item_type_is_in_a_section_or_outside_the_partition() -> None:
    registered = [m for m in every_model() if m.__dict__.get("sort_key") is not None]
    assert len(registered) > 15
    unplaced = [m.__name__ for m in registered if m not in SECTIONS and m not in OUTSIDE_PARTITION]
    assert unplaced == [], "name the export's section of each (certtrack/privacy/sections.py)"
    assert not set(SECTIONS) & OUTSIDE_PARTITION
    assert len(set(SECTIONS.values())) == len(SECTIONS), "one section per item type"
    assert set(SECTIONS) >= ERASABLE


def test_every_item_type_keys_py_puts_in_the_partition_is_registered() -> None:
    """The key table of ``certtrack/keys.py``: each ``CAND#<candidate_id>`` row's SK names a model
    that the export files in its own section (not under ``other``)."""
    every_model()
    rows = re.findall(r"^(.+?)\s{2,}CAND#<candidate_id>\s+(\S.*)$", keys.__doc__ or "", re.MULTILINE)
    assert len(rows) >= 18
    for name, sk in rows:
        literal = re.sub(r"<[^>]*>", "x", sk)
        model = item_type(literal)
        assert model is not TableItem, f"{name.strip()} ({sk}) has no registered model"
        assert model in SECTIONS, f"{name.strip()}: {model.__name__} has no section"


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ({"S": "Ada"}, "Ada"),
        ({"N": "8"}, 8),
        ({"N": "8.5"}, 8.5),
        ({"N": "1E+2"}, 100.0),
        ({"BOOL": False}, False),
        ({"NULL": True}, None),
        ({"SS": ["b", "a"]}, ["a", "b"]),
        ({"NS": ["2", "1"]}, [1, 2]),
        ({"B": b"\x00\x01"}, "AAE="),
        ({"L": [{"S": "x"}, {"M": {"k": {"N": "1"}}}]}, ["x", {"k": 1}]),
    ],
)
def test_stored_values_become_plain_json(stored: dict[str, object], expected: object) -> None:
    assert plain(stored) == expected


def test_the_table_keys_are_left_out() -> None:
    raw = {
        "PK": {"S": "CAND#C1"},
        "SK": {"S": "PROFILE"},
        "GSI1PK": {"S": "EMAIL#a@example.com"},
        "GSI3SK": {"S": "x"},
        "expires_at": {"N": "1"},
        "first_name": {"S": "Ada"},
    }
    assert plain_item(raw) == {"first_name": "Ada"}

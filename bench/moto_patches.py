"""moto, in-process, made to cost what DynamoDB's work costs rather than what the table's size costs.

For the benches only (never the tests, never the code under test). moto 5.2 answers

- a table Query by sorting the whole table and walking it (``Table.all_items``),
- a GSI/LSI Query the same way, checking every item of the table against the index's key,
- a TransactWriteItems by deep-copying the whole table once per action (its rollback copy),

so a bench whose table grows to hundreds of thousands of items would measure moto, each call
costing more as the table grows, where DynamoDB's cost of a Query is the partition it reads and
of a transaction the items it writes. :func:`partitioned_moto` changes only how moto *finds* the
items, never what it answers:

- table Query: moto's own ``Table.query`` runs on the one partition (``Table.items[hash]``, sorted
  by range key, as ``all_items`` would give it), instead of the whole table;
- index Query: moto's own ``Table.query`` runs on the items whose index hash key attributes equal
  the Query's (the same test moto's loop applies first), so its sorting, paging
  (``ExclusiveStartKey``, ``Limit``, the 1 MB page), key conditions, filters, projection and
  ``LastEvaluatedKey`` are moto's, on the same items;
- TransactWriteItems: moto's own ``transact_write_items`` runs with its whole-table copy replaced by
  a copy of the items the transaction names (or their absence); when moto rolls back (it raises),
  those items are put back, which is all its whole-table copy restored (a transaction writes only
  the items it names). Tables with a stream keep moto's copy (the stream's records would differ).

And one cost per attribute, not per table: moto's response serializer walks all ten members of
every ``AttributeValue`` through its alias look-ups (≈ 30 ms for a Query of one candidate's
partition). An ``AttributeValue`` that is a string, number, boolean, null or string/number set is
written as the one member it holds, which is what that walk writes; binary, map and list values
(and anything else) keep moto's walk.

``tests/unit/test_bench_moto_patches.py`` compares every patched answer with moto's own.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any
from unittest import mock


def _partition_query(original: Any) -> Any:
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    def query(self: Table, hash_key: DynamoType | None, *args: Any, **kwargs: Any) -> Any:
        """moto's ``Table.query`` (items, scanned count, last evaluated key) on the candidates."""
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name:
            conditions = kwargs.get("hash_key_conditions", args[9] if len(args) > 9 else None)
            if not conditions:
                return original(self, hash_key, *args, **kwargs)
            candidates = _index_partition(self, conditions)
        elif hash_key is None or not self.range_key_attr:
            return original(self, hash_key, *args, **kwargs)
        else:
            partition = self.items.get(hash_key, {})
            candidates = sorted(partition.values(), key=lambda item: item.range_key)
        with mock.patch.object(self, "all_items", lambda: candidates):
            return original(self, hash_key, *args, **kwargs)

    return query


def _index_partition(table: Any, conditions: list[tuple[str, Any]]) -> list[Any]:
    """The table's items whose ``conditions`` attributes equal the values: moto's own first test in
    an index Query (``if not item_value or item_value != expected_value: continue``), in the order
    ``Table.all_items`` lists them (moto sorts the candidates by the index's keys afterwards)."""
    items: list[Any] = []
    partitions = table.items.values()
    for partition in partitions:
        items.extend(partition.values() if table.range_key_attr else (partition,))
    for name, expected in conditions:
        if expected.type in ("S", "B"):  # cast value = the value: compare the raw values first (cheap)
            raw = expected.value
            items = [i for i in items if (v := i.attrs.get(name)) is not None and v.value == raw]
        items = [i for i in items if (v := i.attrs.get(name)) and v == expected]
    items.sort(key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)
    return items


def _named_keys(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any]] | None:
    """(table, hash, range) of every item the transaction names, or None when moto's copy must stay."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    named = []
    for action in transact_items:
        if len(action) != 1:
            return None
        op_type, op = next(iter(action.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue
        if table.stream_shard is not None or not table.range_key_attr:
            return None
        key = op.get("Item") if op_type == "Put" else op.get("Key")
        if not isinstance(key, dict) or table.hash_key_attr not in key or table.range_key_attr not in key:
            return None
        named.append((table, DynamoType(key[table.hash_key_attr]), DynamoType(key[table.range_key_attr])))
    return named


def _transactions(original: Any) -> Any:
    import moto.dynamodb.models as models
    from moto.dynamodb.models.table import Table

    def keep_tables(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        named = _named_keys(self, transact_items) if isinstance(transact_items, list) else None
        if named is None:
            original(self, transact_items)
            return
        saved = []
        for table, hash_value, range_value in named:
            partition = table.items.get(hash_value, {})
            item = partition.get(range_value)
            saved.append((table, hash_value, range_value, copy.deepcopy(item) if item is not None else None))
        try:
            with mock.patch.object(models, "copy", SimpleNamespace(deepcopy=keep_tables)):
                original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, item in reversed(saved):
                if item is not None:
                    table.items[hash_value][range_value] = item
                elif hash_value in table.items:
                    table.items[hash_value].pop(range_value, None)
            raise

    return transact_write_items


def _attribute_values(original: Any) -> Any:
    from moto.core.serialize import DEFAULT_ALIAS_PROVIDERS, XFormedAttributePicker

    def plain(member_shape: Any, value: Any) -> bool:
        if member_shape is None or member_shape.serialization:
            return False
        kind = member_shape.type_name
        if kind == "string":
            return type(value) is str
        if kind == "boolean":
            return type(value) is bool
        return (
            kind == "list"
            and member_shape.member.type_name == "string"
            and not member_shape.member.serialization
            and type(value) is list
            and all(type(v) is str for v in value)
        )

    def serialize_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        picker = self._value_picker
        if (
            key
            and shape.name == "AttributeValue"
            and type(value) is dict
            and len(value) == 1
            and type(picker) is XFormedAttributePicker
            and picker.alias_providers is DEFAULT_ALIAS_PROVIDERS
            and not picker.response_transformers
        ):
            ((member, member_value),) = value.items()
            if plain(shape.members.get(member), member_value):
                copied = list(member_value) if type(member_value) is list else member_value
                self._default_serialize(serialized, {member: copied}, shape, key)
                return
        original(self, serialized, value, shape, key)

    return serialize_structure


@contextmanager
def partitioned_moto() -> Iterator[None]:
    """moto's Query and TransactWriteItems with their cost per partition / item (module docstring)."""
    from moto.core.serialize import BaseJSONSerializer
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    structure = BaseJSONSerializer._serialize_type_structure
    with (
        mock.patch.object(BaseJSONSerializer, "_serialize_type_structure", _attribute_values(structure)),
        mock.patch.object(Table, "query", _partition_query(Table.query)),
        mock.patch.object(DynamoDBBackend, "transact_write_items", _transactions(DynamoDBBackend.transact_write_items)),
    ):
        yield

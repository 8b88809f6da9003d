"""Credential verification's one query, written once per process instead of per request.

Building an ORM query costs about a millisecond of Python per request, which would make
authentication the most expensive part of a small API call. These lookups are the same
single indexed SELECT, with every column list taken from the models' metadata, compiled
once and then executed with new parameters. Rows become model instances the way the ORM
makes them (database converters, then `Model.from_db`), with their relations cached, so
callers get ordinary, fully loaded objects."""

import re
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.db.models.expressions import Col


@dataclass
class Table:
    """A model in a lookup. `only` limits the columns read, as QuerySet.only() does (the
    rest load on first access); every column is read when it is empty."""

    model: type[Model]
    alias: str
    only: tuple[str, ...] = ()
    fields: list = field(init=False)

    def __post_init__(self):
        every = list(self.model._meta.concrete_fields)
        pk = self.model._meta.pk
        self.fields = [f for f in every if not self.only or f.name in self.only or f is pk]

    def columns(self, quote) -> list[str]:
        return [f"{self.alias}.{quote(model_field.column)}" for model_field in self.fields]


class JoinedLookup:
    """SELECT the columns of `tables` FROM the first JOIN the rest (`joins`), WHERE `where`.

    `joins` and `where` are SQL written with `{alias.field}` placeholders for columns and
    `{alias}` for tables; `also` names tables that are joined but not selected. Values are
    always bound parameters."""

    def __init__(self, tables: list[Table], joins: str, where: str, also: tuple[Table, ...] = ()):
        self.tables = tables
        self.joins = joins
        self.where = where
        self.also = also
        self._compiled: dict[str, tuple[str, list]] = {}

    def _names(self, quote) -> dict[str, str]:
        names = {}
        for table in [*self.tables, *self.also]:
            names[table.alias] = f"{quote(table.model._meta.db_table)} {table.alias}"
            # Conditions may name any column, read or not.
            for model_field in table.model._meta.concrete_fields:
                names[f"{table.alias}.{model_field.name}"] = (
                    f"{table.alias}.{quote(model_field.column)}"
                )
        return names

    def _compile(self, connection) -> tuple[str, list]:
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            quote = connection.ops.quote_name
            names = self._names(quote)
            columns = ", ".join(column for table in self.tables for column in table.columns(quote))
            # Identifiers come from model metadata; values are always bound parameters.
            sql = (
                f"SELECT {columns} FROM {names[self.tables[0].alias]} "  # noqa: S608
                f"{_render(self.joins, names)} WHERE {_render(self.where, names)}"
            )
            # Per table: its field names, and each column's converters with its expression,
            # exactly as the ORM's compiler applies them to a fetched row.
            readers, start = [], 0
            for table in self.tables:
                columns_in = []
                for model_field in table.fields:
                    column = Col(table.alias, model_field)
                    converters = connection.ops.get_db_converters(
                        column
                    ) + model_field.get_db_converters(connection)
                    columns_in.append((column, converters))
                readers.append((table.model, [f.attname for f in table.fields], columns_in, start))
                start += len(columns_in)
            compiled = self._compiled[connection.vendor] = (sql, readers)
        return compiled

    def fetch(self, params: list) -> "Row | None":
        """The first matching row, or None."""
        # Resolve the thread's connection once: each access through the `connection` proxy
        # costs a context-local lookup.
        connection = connections[DEFAULT_DB_ALIAS]
        sql, readers = self._compile(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return None if row is None else Row(connection, readers, row)


class Row:
    """A fetched row. Each table's model instance is built on first use, the way the ORM
    builds it (database converters, then `Model.from_db`): a request that only needs the
    account does not pay for the rest."""

    def __init__(self, connection, readers, values):
        self._connection = connection
        self._readers = readers
        self._values = values
        self._instances = {}

    def value(self, table: int, attname: str):
        """One converted column value, without building the instance."""
        _model, attnames, columns, start = self._readers[table]
        index = attnames.index(attname)
        value = self._values[start + index]
        column, converters = columns[index]
        for converter in converters:
            value = converter(value, column, self._connection)
        return value

    def __getitem__(self, table: int) -> Model:
        instance = self._instances.get(table)
        if instance is None:
            model, attnames, columns, start = self._readers[table]
            values = list(self._values[start : start + len(columns)])
            for index, (column, converters) in enumerate(columns):
                for converter in converters:
                    values[index] = converter(values[index], column, self._connection)
            instance = self._instances[table] = model.from_db(
                self._connection.alias, attnames, values
            )
        return instance

    def __iter__(self):
        return (self[table] for table in range(len(self._readers)))


PLACEHOLDER = re.compile(r"\{(\w+(?:\.\w+)?)\}")


def _render(template: str, names: dict[str, str]) -> str:
    """Replace `{alias}` and `{alias.field}` with quoted SQL names."""
    return PLACEHOLDER.sub(lambda match: names[match[1]], template)


def cache_relation(instance: Model, name: str, related: Model) -> None:
    """Remember `instance.<name>` as `related`, as select_related would."""
    descriptor = getattr(type(instance), name)
    relation = getattr(descriptor, "field", None) or descriptor.related
    relation.set_cached_value(instance, related)


def bind_datetime(value):
    return connections[DEFAULT_DB_ALIAS].ops.adapt_datetimefield_value(value)

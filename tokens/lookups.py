"""Credential verification's one query, written once per process instead of per request.

Building an ORM query costs about a millisecond of Python per request, which would make
authentication the most expensive part of a small API call. These lookups are the same
single indexed SELECT, with every column list taken from the models' metadata, compiled
once and then executed with new parameters. Rows become model instances the way the ORM
makes them (database converters, then `Model.from_db`), with their relations cached, so
callers get ordinary objects: the columns a lookup reads are loaded, the rest deferred.

The SELECT runs on the driver's own cursor (see `execute_directly`) unless something is
watching queries: query logging (DEBUG, `assertNumQueries`) or execute wrappers
(instrumentation) always see it through Django's cursor."""

import re
from dataclasses import dataclass, field

import psycopg
from django.db import DEFAULT_DB_ALIAS, DataError, connections
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
        self._compiled: dict[str, Compiled] = {}

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

    def _compile(self, connection) -> "Compiled":
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
            readers, positions, start = [], {}, 0
            for number, table in enumerate(self.tables):
                columns_in = []
                for model_field in table.fields:
                    column = Col(table.alias, model_field)
                    converters = connection.ops.get_db_converters(
                        column
                    ) + model_field.get_db_converters(connection)
                    positions[number, model_field.attname] = (
                        start + len(columns_in),
                        column,
                        converters,
                    )
                    columns_in.append((column, converters))
                readers.append((table.model, [f.attname for f in table.fields], columns_in, start))
                start += len(columns_in)
            # sqlite3 takes `?`; psycopg takes `%s` as Django does. No literal `%` is written.
            qmark = connection.Database.paramstyle == "qmark"
            driver_sql = sql.replace("%s", "?") if qmark else sql
            compiled = Compiled(sql, driver_sql, readers, positions)
            self._compiled[connection.vendor] = compiled
        return compiled

    def fetch(self, params: list) -> "Row | None":
        """The first matching row, or None."""
        # Resolve the thread's connection once: each access through the `connection` proxy
        # costs a context-local lookup.
        connection = connections[DEFAULT_DB_ALIAS]
        compiled = self._compile(connection)
        if connection.queries_logged or connection.execute_wrappers:
            with connection.cursor() as cursor:
                cursor.execute(compiled.sql, params)
                row = cursor.fetchone()
        else:
            row = execute_directly(connection, compiled.driver_sql, params)
        return None if row is None else Row(connection, compiled, row)


@dataclass(frozen=True)
class Compiled:
    """A lookup for one database: its SQL for Django's cursor, the same SQL in the driver's
    own parameter style, and how to read a row: per table (model, attnames, each column's
    expression and converters, first position), and per (table, attname) the position,
    expression and converters of one column."""

    sql: str
    driver_sql: str
    readers: list
    positions: dict


class Row:
    """A fetched row. Each table's model instance is built on first use, the way the ORM
    builds it (database converters, then `Model.from_db`): a request that only needs the
    account does not pay for the rest."""

    def __init__(self, connection, compiled: Compiled, values):
        self._connection = connection
        self._readers = compiled.readers
        self._positions = compiled.positions
        self._values = values
        self._instances = {}

    def value(self, table: int, attname: str):
        """One converted column value, without building the instance."""
        position, column, converters = self._positions[table, attname]
        value = self._values[position]
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


def execute_directly(connection, sql: str, params: list):
    """The first row of `sql` (in the driver's parameter style), run on the driver's cursor
    after the checks Django's own cursor makes (health check, connection, async context,
    thread) and with its error wrapping. Django's cursor wrapper rewrites the SQL and adapts
    parameters on every call, which on SQLite costs more than the indexed query itself. On
    PostgreSQL the cursor binds parameters on the server, so the statement is prepared once
    per connection and not planned again on every request (unless `prepare_threshold` is
    None in the database OPTIONS: then nothing is prepared), and results come in binary."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            with psycopg.Cursor(connection.connection) as cursor:
                # Binary results: reading timestamps as text costs more than the query.
                cursor.execute(sql, params, prepare=True, binary=True)
                return cursor.fetchone()
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, params)
            return cursor.fetchone()
        finally:
            cursor.close()


class JsonbAsText(psycopg.adapt.Loader):
    """jsonb in a binary result as its JSON text, which is what Django's JSONField expects
    (Django reads results as text, where it registers the same for jsonb)."""

    format = psycopg.pq.Format.BINARY

    def load(self, data) -> str:
        data = bytes(data)
        if data[:1] != b"\x01":
            raise DataError("unknown binary jsonb format version")
        return data[1:].decode()


def prepare_connection(sender, connection, **kwargs) -> None:
    """On every new PostgreSQL connection (`connection_created`): read binary jsonb the
    way Django reads text jsonb. Django's own queries are text, so only the lookups see
    it."""
    if connection.vendor == "postgresql":
        connection.connection.adapters.register_loader("jsonb", JsonbAsText)


PLACEHOLDER = re.compile(r"\{(\w+(?:\.\w+)?)\}")


def _render(template: str, names: dict[str, str]) -> str:
    """Replace `{alias}` and `{alias.field}` with quoted SQL names."""
    return PLACEHOLDER.sub(lambda match: names[match[1]], template)


def cache_relation(instance: Model, name: str, related: Model) -> None:
    """Remember `instance.<name>` as `related`, as select_related would."""
    descriptor = getattr(type(instance), name)
    relation = getattr(descriptor, "field", None) or descriptor.related
    relation.set_cached_value(instance, related)

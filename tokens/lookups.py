"""Credential verification's one query, written once per process instead of per request.

Building an ORM query costs about a millisecond of Python per request, which would make
authentication the most expensive part of a small API call. These lookups are the same
single indexed SELECT, with table and column names taken from the models' metadata,
compiled once and then executed with new parameters. Values come out as the ORM converts
them (the database's converters, then the field's), and `model_instance` makes instances
from them the way `QuerySet.only()` does: the fields read are loaded, the rest deferred.

Every column read costs time on every request (in the driver and in the converters), so a
lookup reads each value once: a column that a join makes equal to another is not read.

The SELECT runs on the driver's own cursor (see `execute_directly`) unless something is
watching queries: query logging (DEBUG, `assertNumQueries`) or execute wrappers
(instrumentation) always see it through Django's cursor."""

import re
from dataclasses import dataclass
from functools import partial

import psycopg
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model
from django.db.models.expressions import Col


class JoinedLookup:
    """SELECT `columns` FROM the first of `tables` JOIN the rest (`joins`) WHERE `where`.

    `tables` maps an alias to each model. Columns are named `alias.field` (a foreign key by
    its field's name gives the related id), or are SQL conditions, read as true or false. In
    SQL (`joins`, `where` and conditions) columns are written `{alias.field}`, tables
    `{alias}`, and the database's clock `{now}`, or `{now-<n>s}` for n seconds before it.
    Values are always bound parameters."""

    def __init__(
        self, tables: dict[str, type[Model]], columns: tuple[str, ...], joins: str, where: str
    ):
        self.tables = tables
        self.columns = columns
        self.joins = joins
        self.where = where
        self._compiled: dict[str, Compiled] = {}

    def _compile(self, connection) -> "Compiled":
        """Write the lookup for `connection`'s database, once per process."""
        quote = connection.ops.quote_name
        names, fields = {}, {}
        for alias, model in self.tables.items():
            names[alias] = f"{quote(model._meta.db_table)} {alias}"
            for model_field in model._meta.concrete_fields:
                name = f"{alias}.{model_field.name}"
                names[name] = f"{alias}.{quote(model_field.column)}"
                fields[name] = Col(alias, model_field)
        render = partial(_render, names=names, vendor=connection.vendor)
        first = next(iter(self.tables))
        # Per field column that has any: its position, expression and converters, exactly
        # as the ORM's compiler applies them to a fetched row. Conditions need none.
        selected, conversions = [], []
        for position, name in enumerate(self.columns):
            if name not in fields:
                selected.append(f"({render(name)})")
                continue
            selected.append(names[name])
            column = fields[name]
            converters = [
                *connection.ops.get_db_converters(column),
                *column.target.get_db_converters(connection),
            ]
            if converters:
                conversions.append((position, column, converters))
        # Identifiers come from model metadata; values are always bound parameters.
        sql = (
            f"SELECT {', '.join(selected)} "  # noqa: S608
            f"FROM {names[first]} {render(self.joins)} "
            f"WHERE {render(self.where)}"
        )
        # sqlite3 takes `?` and a literal `%` as is; psycopg takes `%s` and `%%` as Django
        # does.
        qmark = connection.Database.paramstyle == "qmark"
        driver_sql = sql.replace("%s", "?").replace("%%", "%") if qmark else sql
        self._compiled[connection.vendor] = Compiled(sql, driver_sql, conversions)
        return self._compiled[connection.vendor]

    def fetch(self, params: list) -> list | None:
        """The first matching row's values, in the order of `columns`, or None."""
        # Resolve the thread's connection once: each access through the `connection` proxy
        # costs a context-local lookup.
        connection = connections[DEFAULT_DB_ALIAS]
        compiled = self._compiled.get(connection.vendor) or self._compile(connection)
        if connection.queries_logged or connection.execute_wrappers:
            with connection.cursor() as cursor:
                cursor.execute(compiled.sql, params)
                row = cursor.fetchone()
        else:
            row = execute_directly(connection, compiled.driver_sql, params)
        if row is None:
            return None
        values = list(row)
        for position, column, converters in compiled.conversions:
            value = values[position]
            for converter in converters:
                value = converter(value, column, connection)
            values[position] = value
        return values


@dataclass(frozen=True)
class Compiled:
    """A lookup for one database: its SQL for Django's cursor, the same SQL in the driver's
    own parameter style, and (position, expression, converters) for each column that has
    converters."""

    sql: str
    driver_sql: str
    conversions: list


def model_instance(model: type[Model], values: dict) -> Model:
    """A `model` instance read by a lookup, with `values` (by attname) loaded and its other
    fields deferred, as `QuerySet.only()` makes it."""
    attnames = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(DEFAULT_DB_ALIAS, attnames, [values[attname] for attname in attnames])


def execute_directly(connection, sql: str, params: list):
    """The first row of `sql` (in the driver's parameter style), run on the driver's cursor
    after the checks Django's own cursor makes (connection, async context, thread) and with
    its error wrapping. Django's cursor wrapper rewrites the SQL and adapts parameters on
    every call, which on SQLite costs more than the indexed query itself. On PostgreSQL the
    cursor binds parameters on the server, so the statement is prepared once per connection
    and not planned again on every request (unless `prepare_threshold` is None in the
    database OPTIONS: then nothing is prepared).

    As the first query of a request on a kept connection, the statement is the connection's
    health check too (CONN_HEALTH_CHECKS): rather than a `SELECT 1` round trip before it,
    a statement that fails on a broken connection is run again on a new one. That is safe
    only for a statement that stands alone: in a transaction, Django checks first as usual."""
    connection.validate_thread_sharing()
    if (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and connection.autocommit
    ):
        try:
            row = _execute(connection, sql, params)
        except DatabaseError:
            if connection.is_usable():
                raise  # the statement's own error, not the connection's
            connection.close()  # the next statement opens a new connection
        else:
            connection.health_check_done = True
            return row
    connection.close_if_health_check_failed()
    return _execute(connection, sql, params)


def _execute(connection, sql: str, params: list):
    connection.ensure_connection()
    with connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            with psycopg.Cursor(connection.connection) as cursor:
                cursor.execute(sql, params, prepare=True)
                return cursor.fetchone()
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, params)
            return cursor.fetchone()
        finally:
            cursor.close()


PLACEHOLDER = re.compile(r"\{(?:now(?:-(\d+)s)?|(\w+(?:\.\w+)?))\}")


def _render(template: str, names: dict[str, str], vendor: str) -> str:
    """Replace `{alias}` and `{alias.field}` with quoted SQL names, and `{now}` and
    `{now-<seconds>s}` with the database's clock."""

    def replace(match: re.Match) -> str:
        if match[2] is not None:
            return names[match[2]]
        return _database_now(vendor, int(match[1] or 0))

    return PLACEHOLDER.sub(replace, template)


def _database_now(vendor: str, seconds_before: int) -> str:
    """The database's current time, as Django's `Now()` writes it, `seconds_before` back.
    SQLite keeps datetimes as UTC text that sorts in time order; its `Now()` is the same
    text to the millisecond. A literal `%` is written `%%`, as in any Django SQL."""
    if vendor == "sqlite":
        shift = f", '-{seconds_before} seconds'" if seconds_before else ""
        return f"STRFTIME('%%Y-%%m-%%d %%H:%%M:%%f', 'NOW'{shift})"
    # PostgreSQL, the portal's other database.
    shift = f" - INTERVAL '{seconds_before} seconds'" if seconds_before else ""
    return f"(STATEMENT_TIMESTAMP(){shift})"


def cache_relation(instance: Model, name: str, related: Model) -> None:
    """Remember `instance.<name>` as `related`, as select_related would."""
    descriptor = getattr(type(instance), name)
    relation = getattr(descriptor, "field", None) or descriptor.related
    relation.set_cached_value(instance, related)

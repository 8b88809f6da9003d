"""Credential verification's one query, written once per process instead of per request.

Building an ORM query costs about a millisecond of Python per request, which would make
authentication the most expensive part of a small API call. A lookup is the same single
indexed SELECT, its table and column names taken from the models' metadata (`_meta`),
composed once and then run with new parameters through Django's own cursor
(`connections[alias].cursor()`), so query logging, `assertNumQueries`, execute wrappers, the
connection's health check (CONN_HEALTH_CHECKS) and error wrapping all work as for any
query. Values are bound parameters, the current time included (bound as the column stores
a datetime); identifiers are quoted the standard SQL way ("name"), which SQLite and
PostgreSQL both read.

Every column read costs time on every request, so a lookup reads each value once: a column
that a join makes equal to another is not read."""

import functools
import re
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

# A `%s` placeholder of the templates below (`%%` is a literal percent sign).
PLACEHOLDER = re.compile(r"(?<!%)%s")


class JoinedLookup:
    """SELECT `columns` FROM the first of `tables` JOIN the rest (`joins`) WHERE `where`.

    `tables` maps an alias to each model. Columns are named `alias.field` (a foreign key by
    its field's name gives the related id), or are SQL conditions, read as true or false. In
    SQL (`joins`, `where` and conditions) columns are written `{alias.field}` and tables
    `{alias}`. Values, the current time included, are always bound parameters (`%s`): those
    in conditions among `columns` first, then those in `where`. One value used more than
    once is named instead (`%(now)s`) and given by name to `fetch`: it is bound once."""

    def __init__(
        self, tables: dict[str, type[Model]], columns: tuple[str, ...], joins: str, where: str
    ):
        self.tables = tables
        self.columns = columns
        self.joins = joins
        self.where = where
        self._sql = None
        self._parameter_names = None
        self._readers = None

    def _compose(self) -> None:
        """Write the SQL, and for each column how to read its value (a field's
        `from_db_value`, as the ORM applies it, or a condition's truth)."""
        names, fields = {}, {}
        for alias, model in self.tables.items():
            names[alias] = f'"{model._meta.db_table}" {alias}'
            for model_field in concrete_fields(model):
                name = f"{alias}.{model_field.name}"
                names[name] = f'{alias}."{model_field.column}"'
                fields[name] = model_field

        def render(template: str) -> str:
            return re.sub(r"\{(\w+(?:\.\w+)?)\}", lambda match: names[match[1]], template)

        selected, readers = [], []
        for position, name in enumerate(self.columns):
            if name in fields:
                selected.append(names[name])
                from_db_value = getattr(fields[name], "from_db_value", None)
                if from_db_value is not None:
                    readers.append((position, from_db_value))
            else:
                selected.append(f"({render(name)})")
                readers.append((position, _truth))
        first = next(iter(self.tables))
        # Identifiers come from model metadata; values are always bound parameters.
        sql = (
            f"SELECT {', '.join(selected)} "  # noqa: S608
            f"FROM {names[first]} {render(self.joins)} "
            f"WHERE {render(self.where)}"
        )
        # Each `%s` becomes a named placeholder, `%(p0)s`, ... (cursor.execute's "pyformat"
        # style, with the values as a dict): Django's SQLite backend rewrites `%s` with a
        # regular expression on every execution, which cost more than running the query,
        # and fills named ones in with one string formatting.
        self._parameter_names = []

        def name_it(match: re.Match) -> str:
            self._parameter_names.append(f"p{len(self._parameter_names)}")
            return f"%({self._parameter_names[-1]})s"

        self._sql = PLACEHOLDER.sub(name_it, sql)
        self._readers = readers

    @property
    def sql(self) -> str:
        if self._sql is None:
            self._compose()
        return self._sql

    def fetch(self, params: list, **named_params) -> list | None:
        """The first matching row's values, in the order of `columns`, or None. A datetime
        among `params` and `named_params` is bound as its column stores it (the backend's
        adapt_datetimefield_value, which a DateTimeField's get_db_prep_value calls)."""
        sql = self.sql
        # The connection is looked up once: every use of django.db.connection looks it up
        # again, and each lookup costs about as much as binding a parameter.
        database = connections[DEFAULT_DB_ALIAS]
        adapt = database.ops.adapt_datetimefield_value
        named = {
            name: adapt(value) if isinstance(value, datetime) else value
            for name, value in zip(self._parameter_names, params, strict=True)
        }
        for name, value in named_params.items():
            named[name] = adapt(value) if isinstance(value, datetime) else value
        with database.cursor() as cursor:
            cursor.execute(sql, named)
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for position, read in self._readers:
            values[position] = read(values[position], None, database)
        return values


def _truth(value, expression, connection) -> bool:
    return bool(value)  # SQLite answers a condition with 1 or 0


def concrete_fields(model: type[Model]) -> list:
    """The fields with a column of their own, through the documented Model _meta API
    (`get_fields()` and `Field.concrete`)."""
    return [field for field in model._meta.get_fields() if getattr(field, "concrete", False)]


@functools.cache
def _concrete_attnames(model: type[Model]) -> tuple[str, ...]:
    # Every authenticated request builds instances; a model's fields never change once
    # loaded, so they are walked once per model and process, not per request.
    return tuple(field.attname for field in concrete_fields(model))


def model_instance(model: type[Model], values: dict) -> Model:
    """A `model` instance read by a lookup, with `values` (by attname) loaded and its other
    fields deferred, as `QuerySet.only()` makes it (`Model.from_db`)."""
    # In the model's field order, as the ORM passes them to from_db, whatever order `values` has.
    attnames = [attname for attname in _concrete_attnames(model) if attname in values]
    return model.from_db(DEFAULT_DB_ALIAS, attnames, [values[attname] for attname in attnames])


def cache_relation(instance: Model, name: str, related: Model) -> None:
    """Link `instance.<name>` to `related` (already loaded), as select_related would: the
    relation's own assignment, which sets its id and remembers the object."""
    setattr(instance, name, related)

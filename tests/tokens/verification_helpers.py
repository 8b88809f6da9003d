"""For the tests of credential verification: a freshly rolled environment key with its value,
and the kinds of statements a verification ran."""

from tokens import services
from tokens.models import ApiKey


def rolled_key(environment, actor, key_type=ApiKey.Type.SECRET, **kwargs):
    rolled = services.api_key_roll(
        environment=environment, actor=actor, key_type=key_type, **kwargs
    )
    return rolled.key, rolled.raw


def statement_kinds(queries) -> list[str]:
    """SELECT/UPDATE/… per statement, leaving out the savepoints a test transaction adds."""
    kinds = [query["sql"].split(None, 1)[0].upper() for query in queries]
    return [kind for kind in kinds if kind not in ("SAVEPOINT", "RELEASE")]

"""The bad-input method shared by tests/{tokens,accounts,guests}: a table of endpoints and
their fields, the wrong values every field gets (sent as raw JSON text, so 1e400 and a lone
surrogate arrive exactly as a hostile client writes them), the cases built from a table,
and how a request is sent and its refusal checked. Each test module keeps its own table,
world and `rows()` (what its endpoints could write)."""

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest

# Wrong values for a JSON body field, as JSON text. "string" is per field (a string the
# field cannot take), so it is in the table rather than here.
WRONG_JSON = {
    "number": "5",
    "list": '["a"]',
    "object": '{"a": "b"}',
    "null": "null",
    "true": "true",
    "huge number": "1e400",  # json.dumps would write Infinity; Python reads this as inf
    "lone surrogate": '"\\ud800"',
    "NUL": '"a\\u0000b"',
    "10 000 characters": json.dumps("x" * 10_000),
}

# Wrong values for a query parameter, already URL-encoded. Every query value is text, so
# these are the same attacks as the text a script would send for each JSON type.
WRONG_QUERY = {
    "number": "5",
    "list": None,  # the parameter twice
    "object": "%7B%22a%22%3A%22b%22%7D",  # {"a":"b"}
    "null": "null",
    "true": "true",
    "huge number": "1e400",
    "lone surrogate": "%ED%A0%80",  # the UTF-8 form of U+D800, which is not UTF-8
    "NUL": "a%00b",
    "10 000 characters": "x" * 10_000,
}

# Whole bodies that are not a JSON object (or not JSON at all).
WRONG_BODIES = {
    "number": "5",
    "string": '"text"',
    "list": '["a"]',
    "null": "null",
    "true": "true",
    "huge number": "1e400",
    "lone surrogate": '"\\ud800"',
    "malformed": '{"name": "a"',
    "NaN": '{"name": NaN}',  # Python's json reads it; JSON has no NaN
    "nested too deeply": "[" * 100_000,
    "empty": "",
}

# Ids in paths that no id can be.
PATH_IDS = {
    "NUL": "a%00b",
    "lone surrogate": "%ED%A0%80",
    "10 000 characters": "x" * 10_000,
    "space": "us%20sec_x",
}


@dataclass(frozen=True)
class Field:
    name: str
    # A string this field cannot take, as JSON text or query text (None: any string the
    # other rows do not cover is a valid value for it, e.g. a token's name).
    wrong_string: str | None = None
    # Generic wrong values that are valid for this field, with the reason.
    accepts: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class Endpoint:
    label: str
    method: str
    path: str  # "{name}" filled from the world
    inputs: tuple  # the serializers whose fields these are
    body: dict | None = None  # a valid body, "{name}" filled from the world, nested too
    query: dict | None = None  # valid query parameters, likewise
    fields: tuple[Field, ...] = field(default=())


def field_cases(endpoints):
    """(endpoint, field, wrong value) for every field of the table and every wrong value."""
    for endpoint in endpoints:
        wrong = WRONG_JSON if endpoint.body is not None else WRONG_QUERY
        for input_field in endpoint.fields:
            for kind, raw in {"string": input_field.wrong_string, **wrong}.items():
                if kind in input_field.accepts or (kind == "string" and raw is None):
                    continue
                label = f"{endpoint.label}|{input_field.name}|{kind}"
                yield pytest.param(endpoint, input_field.name, raw, id=label)


def body_cases(endpoints):
    """(endpoint, kind) for every endpoint with a body and every whole body it must refuse."""
    for endpoint in endpoints:
        if endpoint.body is None:
            continue
        for kind in WRONG_BODIES:
            # An empty PATCH body asks for no change, and gets none (a 200).
            if not (kind == "empty" and endpoint.method == "patch"):
                yield pytest.param(endpoint, kind, id=f"{endpoint.label}|{kind}")


def filled(template, world: dict):
    """The template with "{name}" filled from the world, in nested values too."""
    if isinstance(template, str):
        return template.format(**world)
    if isinstance(template, dict):
        return {name: filled(value, world) for name, value in template.items()}
    if isinstance(template, list):
        return [filled(value, world) for value in template]
    return template


def json_text(body: dict, name: str, raw: str) -> str:
    """The body as JSON text with `name`'s value replaced by the raw JSON text `raw`."""
    placeholder = "__WRONG_VALUE__"
    return json.dumps({**body, name: placeholder}).replace(f'"{placeholder}"', raw)


def query_text(query: dict, name: str, raw: str | None) -> str:
    others = urlencode({key: value for key, value in query.items() if key != name})
    wrong = f"{name}={query[name]}&{name}=us_env_other" if raw is None else f"{name}={raw}"
    return "&".join(part for part in (others, wrong) if part)


def send(client, endpoint: Endpoint, world: dict, *, body: str | None = None, query: str = ""):
    path = endpoint.path.format(**world)
    path = f"{path}?{query}" if query else path
    if body is None:
        return getattr(client, endpoint.method)(path)
    return getattr(client, endpoint.method)(path, body, content_type="application/json")


def send_wrong_value(client, endpoint: Endpoint, world: dict, name: str, raw: str | None):
    """The endpoint's valid request with `name`'s value replaced by the wrong `raw`."""
    if endpoint.body is not None:
        body = json_text(filled(endpoint.body, world), name, raw)
        return send(client, endpoint, world, body=body)
    query = query_text(filled(endpoint.query, world), name, raw)
    return send(client, endpoint, world, query=query)


def assert_refused_in_the_envelope(response, name: str | None):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    errors = response.json()["errors"]
    assert errors
    for error in errors:
        assert set(error) <= {"key", "message"}
        assert isinstance(error["message"], str) and error["message"]
    if response.status_code == 400 and name is not None:
        assert name in {error.get("key") for error in errors}, errors


def assert_the_valid_request_is_accepted(client, endpoint: Endpoint, world: dict):
    """The matrix's control: without each required field in turn the request is refused,
    naming that field, and the valid request works."""
    in_body = endpoint.body is not None
    values = filled(endpoint.body if in_body else endpoint.query, world)

    def request(values: dict):
        if in_body:
            return send(client, endpoint, world, body=json.dumps(values))
        return send(client, endpoint, world, query=urlencode(values))

    for input_field in endpoint.fields:
        if input_field.required:
            rest = {name: value for name, value in values.items() if name != input_field.name}
            assert_refused_in_the_envelope(request(rest), input_field.name)
    response = request(values)
    assert 200 <= response.status_code < 300, response.content[:300]


def assert_the_table_covers_every_input_field(endpoints):
    for endpoint in endpoints:
        declared = {name for serializer in endpoint.inputs for name in serializer().fields}
        assert {input_field.name for input_field in endpoint.fields} == declared, endpoint.label

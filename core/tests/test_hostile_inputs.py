"""Generic checks (issue 9, findings 1 and 4), discovered by introspection so that a new
form or endpoint is covered without touching this file:

- every numeric field of every Django form in an app's forms.py (and every field whose
  name says hours, cost, year, size or count) refuses exponent notation, huge and negative
  values with a form error;
- every integer or number in the OpenAPI schema (query, path and JSON body) refuses the
  same with a 4xx and the error body, quickly;
- every free-text string there refuses NUL and other control characters with a 400.
"""

import importlib
import inspect
import re
import time
from urllib.parse import urlencode

import pytest
from django import forms
from django.apps import apps
from django.test import Client

from accounts.services import token_create, token_enter_admin_mode
from config.api import api

pytestmark = pytest.mark.django_db

NUMBER_BOMBS = ["1e999998", "1e999999", "1E3", "-5", "9" * 30, "１２"]
NUMERIC_NAMES = ("hours", "cost", "year", "size", "count", "minutes", "percent", "permille", "seconds")


def _form_classes():
    for config in apps.get_app_configs():
        if config.name.split(".")[0] not in {"core", "orgs", "accounts", "ledger", "claims",
                                            "notifications", "reports", "training", "courses"}:
            continue
        for module_name in ("forms", "forms_staff"):
            try:
                module = importlib.import_module(f"{config.name}.{module_name}")
            except ModuleNotFoundError:
                continue
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    yield cls


def _numeric_fields(form):
    for name, field in form.fields.items():
        numeric = isinstance(field, forms.IntegerField | forms.FloatField | forms.DecimalField)
        coerced = isinstance(field, forms.TypedChoiceField) and field.coerce is int
        named = isinstance(field, forms.CharField) and any(part in name for part in NUMERIC_NAMES)
        if numeric or coerced or named:
            yield name


FORMS = sorted(set(_form_classes()), key=lambda c: f"{c.__module__}.{c.__name__}")


def test_forms_are_discovered():
    names = {c.__name__ for c in FORMS}
    assert {"ClaimForm", "CreditForm", "PolicyForm", "WindowForm", "StaffForm"} <= names


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: c.__name__)
def test_every_numeric_form_field_refuses_bombs(form_class):
    form = form_class()
    fields = list(_numeric_fields(form))
    for name in fields:
        for bomb in NUMBER_BOMBS:
            started = time.process_time()
            bound = form_class(data={name: bomb})
            bound.is_valid()
            # The 小时 + 分 pair reports its error on the hours field.
            where = "hours" if name in ("minutes", "mins") and "hours" in form.fields else name
            assert where in bound.errors, f"{form_class.__name__}.{name} accepted {bomb!r}"
            assert all(str(e) for e in bound.errors[where])
            assert time.process_time() - started < 0.5


# --- the API schema -------------------------------------------------------------------

def _operations():
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]

    def resolve(node):
        while isinstance(node, dict) and "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[1]]
        return node

    def kind(node):
        node = resolve(node)
        types = {node.get("type")} | {resolve(n).get("type") for n in node.get("anyOf", [])}
        if types & {"integer", "number"}:
            return "number"
        if "string" in types and not node.get("format") and not node.get("enum"):
            return "text"
        return None

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            params = {p["name"]: (p["in"], kind(p["schema"])) for p in operation.get("parameters", [])}
            body = {}
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body_schema = resolve(content["application/json"]["schema"])
                body = {n: kind(s) for n, s in body_schema.get("properties", {}).items()}
            yield path, method, params, body


OPERATIONS = list(_operations())


@pytest.fixture
def admin_api(cast):
    token, secret = token_create(user=cast.institute_admin)
    token_enter_admin_mode(token=token, password=cast.password, role_id=cast.institute_admin.roles.get().pk,
                           ip="127.0.0.1")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _url(path, query):
    """The path with its parameters filled: from `query` when given, else a plausible value."""
    def fill(match):
        name = match.group(1)
        return str(query.pop(name, "2026" if name == "year" else "1"))

    return re.sub(r"\{(\w+)\}", fill, path)


def _call(client, method, path, query, raw_body="{}"):
    query = dict(query)
    url = _url(path, query)
    if method == "get":
        return client.get(url, query)
    if query:
        url += "?" + urlencode(query)
    return getattr(client, method)(url, raw_body, content_type="application/json")


def _assert_refused(response, what):
    assert 400 <= response.status_code < 500, f"{what}: {response.status_code} {response.content[:200]}"
    body = response.json()
    assert {"code", "message", "field"} <= body.keys(), what


@pytest.mark.parametrize("path, method, params, body", OPERATIONS,
                         ids=[f"{m.upper()} {p}" for p, m, _, _ in OPERATIONS])
def test_every_api_number_and_text_refuses_hostile_values(admin_api, path, method, params, body):
    for name, (where, kind) in params.items():
        values = (["1e999999", "1E3", "-5", "9" * 30] if kind == "number"
                  else ["a\x00b", "x\x1b"] if kind == "text" else [])
        for value in values:
            query = {name: value}
            started = time.process_time()
            response = _call(admin_api, method, path, query, {})
            assert time.process_time() - started < 2
            if where == "path" and kind == "number" and value == "-5":
                continue  # a negative id is simply not found (the route does not match)
            _assert_refused(response, f"{method} {path} {name}={value!r}")
    for name, kind in body.items():
        values = (['1e999999', "-5", "1" + "0" * 30, '"1e999999"'] if kind == "number"
                  else ['"a\\u0000b"', '"x\\u0085"'] if kind == "text" else [])
        for value in values:
            started = time.process_time()
            response = _call(admin_api, method, path, {}, f'{{"{name}": {value}}}')
            assert time.process_time() - started < 2
            _assert_refused(response, f"{method} {path} body {name}={value}")


def test_json_array_instead_of_an_object_is_422(cast):
    response = Client().post("/api/v1/auth/tokens", "[]", content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid" and "object" in response.json()["message"]


def test_schema_declares_every_error_status():
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = {str(s) for s in operation["responses"]}
            assert {"400", "401", "403", "404", "409", "413", "422", "429"} <= declared, (method, path)

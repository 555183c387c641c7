"""The OpenAPI schema the API docs are drawn from: every operation tagged by its resource, every response described."""

from collections import Counter

import pytest
from drf_spectacular.generators import SchemaGenerator

from studio.api_schema import TAGS, resource_tag

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    return [(method, path, operation) for path, item in schema["paths"].items()
            for method, operation in item.items() if method in METHODS]


def described(body, schema):
    """A schema that says what comes back: a component, a list of described items, or an object with properties
    or typed values — not a free-form object."""
    if "$ref" in body:
        name = body["$ref"].rsplit("/", 1)[-1]
        return described(schema["components"]["schemas"][name], schema) if name in schema["components"]["schemas"] \
            else False
    if body.get("type") == "array":
        return described(body.get("items", {}), schema)
    if body.get("type") == "object" or "properties" in body:
        return bool(body.get("properties")) or bool(body.get("additionalProperties") not in (None, {}, True))
    return bool(body.get("type") or body.get("format") or body.get("oneOf") or body.get("allOf"))


def test_every_response_is_described(schema):
    missing = []
    for method, path, operation in operations(schema):
        for code, response in operation["responses"].items():
            if code == "204":
                continue
            bodies = response.get("content", {})
            if not bodies or not all(described(body.get("schema", {}), schema) for body in bodies.values()):
                missing.append(f"{method.upper()} {path} {code}")
    assert missing == []


def test_operations_are_tagged_by_resource(schema):
    found = operations(schema)
    tags = Counter(operation["tags"][0] for _method, _path, operation in found)
    assert all(len(operation["tags"]) == 1 for _method, _path, operation in found)
    assert set(tags) <= {name for name, _ in TAGS}
    assert len(tags) >= 14
    busiest, count = tags.most_common(1)[0]
    assert count <= len(found) // 6, (busiest, count)
    assert [tag["name"] for tag in schema["tags"]] == [name for name, _ in TAGS]


def test_the_predict_response_has_its_schema(schema):
    predict = schema["paths"]["/api/projects/{project_pk}/predict/"]["post"]
    assert predict["tags"] == ["predictions"]
    body = predict["responses"]["200"]["content"]["application/json"]["schema"]
    component = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert {"model", "version", "version_id", "predictions"} <= set(component["properties"])


@pytest.mark.parametrize(("path", "tag"), [
    ("/api/projects/", "projects"), ("/api/projects/{id}/", "projects"),
    ("/api/projects/{project_pk}/corpora/{corpus_pk}/documents/", "documents"),
    ("/api/projects/{project_pk}/documents/{id}/skip/", "annotations"),
    ("/api/projects/{project_pk}/documents/{id}/review/", "review"),
    ("/api/projects/{project_pk}/documents/{id}/", "documents"),
    ("/api/projects/{project_pk}/model-versions/{id}/promotion/", "models"),
    ("/api/projects/{project_pk}/jobs/", "jobs"), ("/api/jobs/{id}/cancel/", "jobs"),
    ("/api/users/{id}/password-link/", "users"), ("/api/audit-events/", "system"),
])
def test_a_path_gets_its_resources_tag(path, tag):
    assert resource_tag(path) == tag

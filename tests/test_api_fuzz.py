"""schemathesis against the app's own OpenAPI schema: generated requests of
every operation, with a valid admin token, must never get a 5xx and every
response must match the schema. The default run tries a few cases per
operation; `make test-all` (marked slow) a few thousand in all."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from .api_support import running, synthetic_deals

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with running(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'f.sqlite'}") as a:
        assert a.call("POST", "/v1/deals/score", json=synthetic_deals(20)).status_code == 200
        yield a


def operations(api):
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    return [result.ok() for result in schema.get_all_operations()]


def fuzz(api, per_operation: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    headers = api.headers("admin")
    for op in operations(api):
        @given(case=op.as_strategy())
        @settings(max_examples=per_operation, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def one(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)
            label = f"{case.method.upper()} {case.path}"
            counts[label] = counts.get(label, 0) + 1

        one()
    return counts


def test_every_operation_a_few_cases(api):
    counts = fuzz(api, per_operation=int(os.environ.get("CRMQA_FUZZ_CASES", "15")))
    assert len(counts) >= 14 and all(n > 0 for n in counts.values())


@pytest.mark.slow
def test_thousands_of_cases(api):
    counts = fuzz(api, per_operation=250)
    total = sum(counts.values())
    print(f"schemathesis: {total} cases over {len(counts)} operations")
    assert total >= 2000

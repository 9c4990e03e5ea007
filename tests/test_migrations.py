"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from api import migrate
from api.db import Base

from .api_support import pg_answers, pg_schema


def _diff(url: str) -> list:
    engine = create_engine(url)
    migrate.upgrade(engine)
    migrate.upgrade(engine)                    # a second run is a no-op
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert migrate.current(engine) == "0003"
    engine.dispose()
    return diff


def test_sqlite_schema_matches_the_models(tmp_path):
    assert _diff(f"sqlite:///{tmp_path / 'm.sqlite'}") == []


@pytest.mark.skipif(not pg_answers(), reason="no PostgreSQL on 127.0.0.1:5432")
def test_postgresql_schema_matches_the_models():
    with pg_schema() as url:
        assert _diff(url) == []

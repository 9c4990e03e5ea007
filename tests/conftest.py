"""Shared fixtures: one audit context, built once per session."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from analyzer.audit import make_ctx

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "data" / "dev"


@pytest.fixture(scope="session")
def ctx():
    return make_ctx(NOW)


def codes(findings) -> set[str]:
    return {f.code for f in findings}

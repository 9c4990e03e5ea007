"""Shared fixtures: one audit context, built once per session."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from analyzer.audit import make_ctx

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
ROOT = Path(__file__).resolve().parent.parent
DEV_CANDIDATES = (os.environ.get("CRMQA_DEV_DIR"), ROOT.parent / "shared" / "data" / "dev",
                  "/work/shared/data/dev")


def dev_file(name: str) -> Path:
    """A file of the shared dev set, or skip: it lives outside the repository."""
    for base in DEV_CANDIDATES:
        if base and (Path(base) / name).exists():
            return Path(base) / name
    pytest.skip(f"dev set {name} not found (set CRMQA_DEV_DIR)")


@pytest.fixture(scope="session")
def ctx():
    return make_ctx(NOW)


def codes(findings) -> set[str]:
    return {f.code for f in findings}

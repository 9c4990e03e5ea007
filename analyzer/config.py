"""The regulation config: packaged defaults merged with a user's own YAML file."""

from __future__ import annotations

import os
from copy import deepcopy
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_CONFIG = DATA_DIR / "regulation.yaml"
ENV_VAR = "CRMQA_CONFIG"


class ConfigError(ValueError):
    """The user's config file cannot be used."""


def merge(base: dict, override: dict) -> dict:
    """Deep-merge `override` into a copy of `base`: dicts merge key by key,
    everything else (lists included) is replaced."""
    out = deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = deepcopy(value)
    return out


def read_yaml(path: Path, what: str = "config") -> dict:
    """A YAML mapping from `path`, or a ConfigError naming `what` it was."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{what} {path} must be a mapping at the top level")
    return data


@lru_cache(maxsize=8)
def _load(path: str | None) -> dict:
    cfg = read_yaml(DEFAULT_CONFIG)
    if path:
        cfg = merge(cfg, read_yaml(Path(path)))
    return cfg


def load_config(path: str | os.PathLike | None = None) -> dict:
    """The effective config: defaults, then `path` or $CRMQA_CONFIG on top.
    The result is shared: treat it as read-only."""
    chosen = path or os.environ.get(ENV_VAR) or None
    return _load(str(chosen) if chosen else None)


def get(cfg: dict, dotted: str, default: Any = None) -> Any:
    """`get(cfg, "phone.format")` with a default for a missing key."""
    node: Any = cfg
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node

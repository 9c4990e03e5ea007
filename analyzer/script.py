"""The sales script (data/script.yaml, or the user's `script_file`, with
`script:` overrides from the config on top), compiled once per config."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from analyzer.config import DATA_DIR, get, merge, read_yaml
from analyzer.matchers import Rules, compile_table
from analyzer.worktime import Hours

DEFAULT_SCRIPT = DATA_DIR / "script.yaml"


@dataclass(frozen=True)
class Script:
    steps: dict[str, dict]              # id -> its table (title, patterns, needs_date…)
    order: tuple[str, ...]
    step_rules: Rules
    forbidden: dict[str, dict]
    forbidden_rules: Rules
    sentence_rules: Rules               # both, labels "step:<id>" and "bad:<kind>", one pass
    required: dict
    reply: dict
    hours: Hours

    def title(self, step: str) -> str:
        table = self.steps.get(step) or self.forbidden.get(step) or {}
        return table.get("title", step)

    def required_steps(self, stage: str | None, channel: str | None) -> list[str]:
        steps = list((self.required.get("stages") or {}).get(stage or "", []) or [])
        mods = ((self.required.get("channels") or {}).get(channel or "") or {})
        steps = [s for s in steps if s not in set(mods.get("drop") or [])]
        steps += [s for s in mods.get("add") or [] if s not in steps]
        return [s for s in steps if s in self.steps]


@lru_cache(maxsize=8)
def _compile(path: str, overrides: str, tz: str) -> Script:
    table = merge(read_yaml(Path(path), "script"), json.loads(overrides))
    steps = table.get("steps") or {}
    forbidden = table.get("forbidden") or {}
    reply = table.get("reply") or {}
    return Script(
        steps=steps, order=tuple(steps),
        step_rules=compile_table({k: v.get("patterns") or [] for k, v in steps.items()}),
        forbidden=forbidden,
        forbidden_rules=compile_table({k: v.get("patterns") or [] for k, v in forbidden.items()}),
        sentence_rules=compile_table(
            {f"step:{k}": v.get("patterns") or [] for k, v in steps.items()}
            | {f"bad:{k}": v.get("patterns") or [] for k, v in forbidden.items()}),
        required=table.get("required") or {}, reply=reply,
        hours=Hours.from_config(reply.get("working_hours"), tz))


def load_script(config: dict) -> Script:
    path = get(config, "script_file") or DEFAULT_SCRIPT
    overrides = json.dumps(get(config, "script") or {}, sort_keys=True, ensure_ascii=False)
    return _compile(str(path), overrides, get(config, "timezone", "Europe/Moscow"))

"""`crmqa demo`: a synthetic CRM in the embedded store, scored and reported."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from analyzer.audit import DealScorer
from analyzer.batch import LineError, default_jobs, run
from analyzer.config import load_config
from analyzer.norms import collect, effective
from analyzer.schema import Deal
from api.store import Store
from crmqa import report
from crmqa.summary import summarize
from training.evaluate import per_code
from training.synth import MEASURED, default_now, generate

console = Console(width=110)


def _score(store: Store, scorer: DealScorer) -> list:
    lines = ((i, d) for i, d in enumerate(store.deals(), 1))
    results = list(run(scorer, lines, jobs=min(default_jobs(), 2), chunk=200))
    bad = [r for r in results if isinstance(r, LineError)]
    for err in bad:
        console.print(f"[red]{err.render()}[/red]")
    return [r for r in results if not isinstance(r, LineError)]


def _print_summary(summary, quality) -> None:
    table = Table(title="Замечания по видам (сделок)")
    table.add_column("код")
    table.add_column("сделок", justify="right")
    table.add_column("точность / полнота на эталоне", justify="right")
    for code, n in summary.by_code.most_common():
        q = quality.get(code)
        table.add_row(code, str(n), f"{q.precision:.3f} / {q.recall:.3f}" if q else "")
    console.print(table)
    managers = Table(title="Менеджеры")
    for col in ("группа", "менеджер", "сделок", "с замечаниями", "частые замечания"):
        managers.add_column(col)
    for m in summary.managers:
        top = ", ".join(f"{c} ({n})" for c, n in m.by_code.most_common(1))
        managers.add_row(m.team, m.name, str(m.deals), str(m.with_findings), top)
    console.print(managers)


def run_demo(deals: int = 2000, out_dir: str = "out/demo", seed: int = 7) -> Path:
    started = time.perf_counter()
    out = Path(out_dir)
    now = default_now()
    store = Store(f"sqlite:///{out / 'crmqa.sqlite'}")
    store.reset()
    pairs = list(generate(deals, seed=seed, now=now))
    truth = {d["id"]: set(codes) for d, codes in pairs}
    stored, rejected = store.put_deals(d for d, _ in pairs)
    for position, reason in rejected:
        console.print(f"[red]сделка {position}: {reason}[/red]")
    console.print(f"Синтетическая CRM: {deals} сделок в {store.url}")
    config = load_config()
    norms = effective(config, collect(Deal.model_validate(d) for d in store.deals()))
    reports = _score(store, DealScorer(now, config, norms))
    store.put_reports(reports, now)
    rows = store.reports()
    found = {r["deal_id"]: {f["code"] for f in r["findings"]} for r in rows}
    quality = per_code(truth, found, MEASURED)
    summary = summarize(rows)
    _print_summary(summary, quality)
    html = report.write(out / "report.html", report.render(summary, now.isoformat(), quality))
    console.print(f"Отчёт: {html.resolve()}  ({time.perf_counter() - started:.1f} с)")
    return html

"""`crmqa demo`: a synthetic CRM in the embedded store, scored and reported."""

from __future__ import annotations

import json
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from analyzer.audit import DealScorer, make_ctx
from analyzer.batch import LineError, default_jobs, run
from analyzer.config import load_config
from analyzer.norms import collect, effective
from analyzer.schema import Deal, DealReport
from api.store import Store
from crmqa import headreport, report
from crmqa.summary import summarize
from models.risk import ManagerRates
from training.evaluate import per_code
from training.synth import MEASURED, default_now, generate

console = Console(width=110)


def score_all(deals: list[dict], scorer: DealScorer) -> list[DealReport]:
    """Score like `crmqa score`: risks set in input order with the managers' rates."""
    rates = ManagerRates()
    out = []
    for r in run(scorer, enumerate(deals, 1), jobs=min(default_jobs(), 2), chunk=200):
        if isinstance(r, LineError):
            console.print(f"[red]{r.render()}[/red]")
        else:
            out.append(DealReport.model_validate_json(r.finish(rates)))
    return out


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


def build_report(raw: list[dict], now, config: dict, seed: int, quality: dict | None,
                 out_path: Path, store: Store | None = None, labels: list | None = None):
    """Score deals, draw today's samples, write the head's HTML report (with
    auditors' calibration from `labels`, or simulated ones when `quality`
    holds the synthetic ground truth)."""
    from crmqa import calibration

    deals = [Deal.model_validate(d) for d in raw]
    norms = effective(config, collect(deals))
    reports = score_all(raw, DealScorer(now, config, norms, as_json=True))
    if store is not None:
        store.put_reports(reports, now)
        rows = store.reports()
    else:
        rows = [{"manager_id": r.manager_id, "manager_name": d.manager.name if d.manager else None,
                 "team": d.manager.team if d.manager else None, "deal_id": r.deal_id,
                 "status": r.status, "risk": r.risk, "scores": r.scores,
                 "findings": [f.model_dump(exclude_none=True) for f in r.findings]}
                for r, d in zip(reports, deals, strict=True)]
    truth = quality
    if quality is not None:
        found = {r["deal_id"]: {f["code"] for f in r["findings"]} for r in rows}
        quality = per_code(quality, found, MEASURED)
    summary = summarize(rows)
    ctx = make_ctx(now, config, collect(deals))
    plain = [json.loads(r.model_dump_json()) for r in reports]
    head = headreport.build(deals, plain, ctx, seed)
    if labels is None and truth is not None:
        sampled = [x["deal_id"] for x in head.samples["qa"]["lines"]]
        labels = calibration.simulated(plain, truth, sampled, seed)
    if labels:
        head.calibration = calibration.section(plain, labels)
    html = report.write(out_path, report.render(summary, now.isoformat(), quality, head))
    return summary, quality or {}, head, html


def _print_samples(head) -> None:
    for role, title in (("qa", "ОКК"), ("supervisor", "руководитель группы"),
                        ("head", "руководитель отдела")):
        sm = head.samples[role]["summary"]
        console.print(f"Выборка «{title}» на {sm['date']}: {sm['sample_size']} из "
                      f"{sm['population']} сделок периода {sm['period'][0]} — {sm['period'][1]}")
    picked = [f for m in head.managers for f in m.findings]
    for f in picked:
        console.print(f"[yellow]{f.entity_id}: {f.message}[/yellow]")


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
    summary, quality, head, html = build_report(list(store.deals()), now, load_config(), seed,
                                                truth, out / "report.html", store)
    _print_summary(summary, quality)
    _print_samples(head)
    console.print(f"Отчёт: {html.resolve()}  ({time.perf_counter() - started:.1f} с)")
    return html

"""`crmqa` — the command line (CONTRACT §3)."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from analyzer.adapters import Format
from analyzer.batch import LineError, default_jobs, load_object, run
from analyzer.config import ConfigError, get, load_config
from crmqa.io import (
    Counted,
    InputError,
    csv_as_jsonl,
    lines_of,
    open_input,
    open_output,
    progress,
    report_errors,
    seekable,
)
from models.store import ArtifactError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="crmqa: quality control of CRM deals (amoCRM, Bitrix24).")

Output = Annotated[str | None, typer.Option("-o", "--output", help="Write JSON Lines here "
                                            "instead of stdout.")]
Config = Annotated[str | None, typer.Option("--config", help="Your regulation YAML on top of "
                                            "the defaults (or $CRMQA_CONFIG).")]
Jobs = Annotated[int, typer.Option("--jobs", "-j", help="Processes; 0 = all cores.")]
Errors = Annotated[str | None, typer.Option("--errors", help="Also write bad lines' "
                                            "numbers and reasons to this JSONL file.")]


def parse_now(value: str | None, config: dict) -> datetime:
    name = get(config, "timezone", "Europe/Moscow")
    try:
        tz = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"timezone: unknown time zone {name!r}") from None
    if not value:
        return datetime.now(tz)
    try:
        now = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"--now: not an ISO time: {value!r}") from None
    return now if now.tzinfo else now.replace(tzinfo=tz)


def _jobs(jobs: int, size: int | None) -> int:
    if jobs > 0:
        return jobs
    small = size is not None and size < 2_000_000      # forking costs more than it saves
    return 1 if small else default_jobs()


def _same_file(path: str, output: str | None) -> bool:
    from pathlib import Path

    if path == "-" or output in (None, "-") or not Path(output).exists():
        return False
    return Path(path).resolve() == Path(output).resolve()


def run_batch(fn, path: str, output: str | None, jobs: int, errors_file: str | None,
              label: str) -> int:
    """Stream `path` through `fn` into `output`; returns the exit code."""
    if _same_file(path, output):
        raise InputError("the output file is the input file; choose another -o")
    from analyzer.audit import ScoredLine
    from models.risk import ManagerRates

    errors: list[LineError] = []
    total = 0
    rates = ManagerRates()
    with open_input(path) as (stream, size), open_output(output) as out, \
            progress(sys.stderr.isatty()) as bar:
        task = bar.add_task(label, total=size)
        counted = Counted(stream)
        for result in run(fn, lines_of(counted), jobs=_jobs(jobs, size)):
            total += 1
            if isinstance(result, LineError):
                errors.append(result)
            elif isinstance(result, ScoredLine):
                out.write(result.finish(rates) + "\n")
            else:
                out.write((result if isinstance(result, str) else result.model_dump_json()) + "\n")
            bar.update(task, completed=counted.bytes)
    report_errors(errors, total, errors_file)
    if total == 0:
        raise InputError("no input lines")
    if len(errors) == total:
        raise InputError(f"none of {total} lines could be used")
    return 0


USER_ERRORS = (InputError, ConfigError, ArtifactError, OSError)


@contextlib.contextmanager
def reported():
    """The user's mistakes (and a missing model) end the command with one line."""
    try:
        yield
    except USER_ERRORS as exc:
        print(f"crmqa: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None


def _ready(config: str | None, names: bool = True) -> dict:
    """The effective config, with the models loaded and verified up front
    (the name models only where names are checked)."""
    from models.comments import preload as comment_models

    cfg = load_config(config)
    if names:
        from models.nickname import preload as name_models

        name_models()
    comment_models()
    gc.freeze()      # models and lexicons live for the whole run: keep them out of GC scans
    return cfg


@app.command()
def score(
    input: Annotated[str, typer.Argument(help="Canonical deals (or CRM bundles, see --format), "
                                         "JSON Lines, or - for stdin.")],
    output: Output = None,
    now: Annotated[str | None, typer.Option(help="Audit time, ISO 8601 (default: now).")] = None,
    config: Config = None, jobs: Jobs = 0, errors: Errors = None,
    fmt: Annotated[Format, typer.Option(
        "--format", help="Input lines: canonical deals, or amoCRM / Bitrix24 bundles "
                         "(one deal's API objects each).")] = "canonical",
) -> None:
    """Score deals: findings, direction scores and risk per deal."""
    from analyzer.adapters import adapted, canonical_lines
    from analyzer.audit import DealScorer
    from analyzer.norms import durations_from_lines, effective

    with reported():
        cfg = _ready(config)
        with seekable(input) as path:
            with open_input(path) as (stream, _):
                norms = effective(cfg, durations_from_lines(canonical_lines(fmt,
                                                                            lines_of(stream))))
            scorer = DealScorer(parse_now(now, cfg), cfg, norms, as_json=True)
            code = run_batch(adapted(fmt, scorer), path, output, jobs, errors, "сделки")
    raise typer.Exit(code)


@app.command()
def contacts(
    input: Annotated[str, typer.Argument(help="Contacts (CONTRACT §1), JSON Lines, or -.")],
    output: Output = None, config: Config = None, jobs: Jobs = 0, errors: Errors = None,
) -> None:
    """Check client cards: name, phones, INN, e-mail, requisites."""
    from analyzer.audit import ContactChecker

    with reported():
        cfg = _ready(config)
        checker = ContactChecker(parse_now(None, cfg), cfg, {}, as_json=True)
        code = run_batch(checker, input, output, jobs, errors, "контакты")
    raise typer.Exit(code)


@app.command()
def comments(
    input: Annotated[str, typer.Argument(help="Comments {id, text} as JSON Lines, or a .csv "
                                         "with columns id,text, or -.")],
    output: Output = None, config: Config = None, jobs: Jobs = 0, errors: Errors = None,
) -> None:
    """Score comments: completeness, slots, channels, off-channel and disrespect."""
    from analyzer.audit import CommentScorer

    with reported():
        cfg = _ready(config, names=False)
        scorer = CommentScorer(parse_now(None, cfg), cfg, {}, as_json=True)
        with csv_as_jsonl(input) as path:
            code = run_batch(scorer, path, output, jobs, errors, "комментарии")
    raise typer.Exit(code)


@app.command()
def sample(
    input: Annotated[str, typer.Argument(help="`crmqa score` output, JSON Lines, or -.")],
    role: Annotated[str, typer.Option(help="qa | supervisor | head")] = "qa",
    date: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default: today).")] = None,
    rate: Annotated[float | None, typer.Option(min=0, max=1, help="Quota share of the "
                                               "period's deals (default: the role's).")] = None,
    seed: Annotated[int, typer.Option(help="Same seed, same sample.")] = 0,
    output: Output = None,
    summary: Annotated[str | None, typer.Option(help="Write the estimates here (JSON).")] = None,
    config: Config = None,
) -> None:
    """Draw a risk-weighted audit sample for a role, with population estimates."""
    from datetime import date as Date

    from crmqa import sample as sampler

    with reported():
        cfg = load_config(config)
        try:
            day = Date.fromisoformat(date) if date else parse_now(None, cfg).date()
            sampling_role = role.strip().lower()
        except ValueError:
            raise InputError(f"--date: not YYYY-MM-DD: {date!r}") from None
        with open_input(input) as (stream, _):
            source = stream if input == "-" else input
            try:
                lines, summ, errors = sampler.run(source, sampling_role, day, cfg, rate, seed)
            except ValueError as exc:
                raise InputError(str(exc)) from None
        for n, reason in errors[:20]:
            print(f"строка {n}: {reason}", file=sys.stderr)
        with open_output(output) as out:
            sampler.write(lines, out)
        if summary:
            with open_output(summary) as fh:
                fh.write(json.dumps(summ, ensure_ascii=False, indent=2) + "\n")


@app.command()
def synth(
    deals: Annotated[int, typer.Option("--deals", "-n", min=1, help="How many deals.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    output: Output = None,
    truth: Annotated[str | None, typer.Option(help="Write injected defects per deal here.")] = None,
    now: Annotated[str | None, typer.Option(help="Reference time (default: today 12:00 MSK).")] = None,
    rate: Annotated[float, typer.Option(min=0, max=1, help="Rate of each defect.")] = 0.06,
) -> None:
    """Generate a realistic synthetic CRM (canonical deals) with ground truth."""
    from training.synth import CONTACT_CODES, DEAL_CODES, default_now, generate

    with reported():
        when = parse_now(now, load_config()) if now else default_now()
    rates = dict.fromkeys(CONTACT_CODES + DEAL_CODES, rate)
    with open_output(output) as out, open_output(truth) if truth else _null() as tfh:
        for deal, defects in generate(deals, seed=seed, now=when, rates=rates):
            out.write(json.dumps(deal, ensure_ascii=False) + "\n")
            if tfh is not None:
                tfh.write(json.dumps({"deal_id": deal["id"], "defects": defects},
                                     ensure_ascii=False) + "\n")


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


@app.command()
def demo(
    deals: Annotated[int, typer.Option("--deals", "-n", min=10)] = 2000,
    out: Annotated[str, typer.Option(help="Directory for the store and the report.")] = "out/demo",
    seed: Annotated[int, typer.Option()] = 7,
) -> None:
    """Build a demo CRM in the embedded store, score it and write an HTML report."""
    from crmqa.demo import run_demo

    run_demo(deals=deals, out_dir=out, seed=seed)


models_app = typer.Typer(help="Versioned model artifacts.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("list")
def models_list(
    as_json: Annotated[bool, typer.Option("--json", help="A JSON array (CONTRACT §3).")] = False,
) -> None:
    """Every model artifact: name, version, status, path, sha256, metrics."""
    from models.store import manifests

    rows = [m.public() for m in manifests()]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        print(f"{r['name']:14s} v{r['version']:<3d} {r['status']:9s} {r['path']}  {r['sha256'][:12]}")


@models_app.command("promote")
def models_promote(
    name: Annotated[str, typer.Argument(help="Model family: risk, completeness, …")],
    version: Annotated[int | None, typer.Option(help="Candidate version (default: newest).")] = None,
    tolerance: Annotated[float, typer.Option(help="Allowed drop of the held-out metric.")] = 0.01,
    force: Annotated[bool, typer.Option(help="Promote even if the gate refuses.")] = False,
) -> None:
    """Make a candidate the active version if its held-out metric did not drop."""
    from training import registry

    try:
        decision = registry.promote(name, version, tolerance=tolerance, force=force)
    except (registry.PromotionRefused, LookupError, ArtifactError) as exc:
        print(f"crmqa: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    print(decision.explain())


@models_app.command("rollback")
def models_rollback(
    name: Annotated[str, typer.Argument(help="Model family: risk, completeness, …")],
) -> None:
    """Reactivate the previous version (its file unchanged, its hash verified)."""
    from training import registry

    try:
        previous = registry.rollback(name)
    except (LookupError, ArtifactError) as exc:
        print(f"crmqa: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    print(f"{name}: действует v{previous.version}")


labels_app = typer.Typer(help="Auditors' labels: import and export (CSV or JSON Lines).",
                         no_args_is_help=True)
app.add_typer(labels_app, name="labels")
LABEL_FIELDS = ("deal_id", "target", "code", "entity_id", "verdict", "value", "auditor", "key",
                "inclusion_probability")
Db = Annotated[str | None, typer.Option(help="Database URL (default: $CRMQA_DB_URL).")]
Account = Annotated[str, typer.Option(help="CRM account (tenant).")]


@labels_app.command("import")
def labels_import(
    input: Annotated[str, typer.Argument(help="Labels as JSON Lines or a .csv (columns: "
                                         + ", ".join(LABEL_FIELDS) + ").")],
    account: Account, db: Db = None,
) -> None:
    """Store labels: a repeat (same key) is a duplicate, a label of an unknown
    deal or a bad line is reported with its line number; the rest are kept."""
    from crmqa import labels as io

    with reported():
        stored, duplicates, errors = io.import_labels(input, account, db)
    for n, reason in errors[:20]:
        print(f"строка {n}: {reason}", file=sys.stderr)
    print(json.dumps({"stored": stored, "duplicates": duplicates, "rejected": len(errors)},
                     ensure_ascii=False))
    if errors and not stored and not duplicates:
        raise typer.Exit(2)


@labels_app.command("export")
def labels_export(account: Account, output: Output = None, db: Db = None,
                  csv_format: Annotated[bool, typer.Option("--csv", help="CSV instead of "
                                                            "JSON Lines.")] = False) -> None:
    """Write every label of the account."""
    from crmqa import labels as io

    with reported(), open_output(output) as out:
        io.export_labels(account, db, out, csv_format)


@app.command()
def train(
    model: Annotated[str, typer.Argument(help="risk | completeness")],
    account: Account, db: Db = None,
    promote: Annotated[bool, typer.Option(help="Promote it if it passes the gate.")] = False,
) -> None:
    """Retrain a model on the account's labels; the candidate is registered
    (and, with --promote, made active if its held-out metric did not drop)."""
    from datetime import UTC
    from datetime import datetime as dt

    from api.store import Store
    from training import registry
    from training.from_labels import TRAINERS, NotEnoughLabels

    if model not in TRAINERS:
        print(f"crmqa: модель {model!r} не переобучается; доступны: {', '.join(TRAINERS)}",
              file=sys.stderr)
        raise typer.Exit(2)
    try:
        result = TRAINERS[model](Store(db), account, dt.now(UTC))
    except NotEnoughLabels as exc:
        print(f"crmqa: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    print(json.dumps(result, ensure_ascii=False))
    if promote:
        try:
            print(registry.promote(model, result["version"]).explain())
        except registry.PromotionRefused as exc:
            print(f"crmqa: {exc}", file=sys.stderr)
            raise typer.Exit(2) from None


token_app = typer.Typer(help="API tokens: one account, one role each.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    account: Annotated[str, typer.Option(help="CRM account: amoCRM subdomain or Bitrix24 "
                                         "portal domain.")],
    role: Annotated[str, typer.Option(help="qa | supervisor | head | admin | widget")],
    name: Annotated[str | None, typer.Option(help="A note for whom it is.")] = None,
    db: Annotated[str | None, typer.Option(help="Database URL (default: $CRMQA_DB_URL).")] = None,
) -> None:
    """Create an API token; it is printed once, only its hash is kept."""
    from api.store import Store

    try:
        token = Store(db).create_token(account.strip(), role.strip().lower(), name)
    except ValueError as exc:
        print(f"crmqa: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    print(token)


@token_app.command("revoke")
def token_revoke(
    token: Annotated[str, typer.Argument(help="The token to revoke.")],
    db: Annotated[str | None, typer.Option(help="Database URL (default: $CRMQA_DB_URL).")] = None,
) -> None:
    """Revoke a token: it stops working at once."""
    from api.store import Store

    store = Store(db)
    row = store.token(token)
    if row is None or not store.revoke_token(row.id):
        print("crmqa: токен не найден или уже отозван", file=sys.stderr)
        raise typer.Exit(2)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1)] = 2,
    loop: Annotated[str, typer.Option(help="Event loop of the workers: asyncio (answers in "
                                      "arrival order) or uvloop.")] = "asyncio",
    db: Annotated[str | None, typer.Option(help="Store URL (default: CRMQA_DB_URL, else a "
                                           "SQLite file).")] = None,
) -> None:
    """Run the HTTP API (CONTRACT §4): uvicorn workers, new connections dealt to
    them in turn; settings from CRMQA_* variables."""
    from api.serve import serve as run
    from api.store import Store

    if loop not in ("asyncio", "uvloop"):
        raise typer.BadParameter("asyncio или uvloop", param_hint="--loop")
    if db:
        os.environ["CRMQA_DB_URL"] = db          # the workers read their settings from it
    Store()                         # migrate once before the workers start
    run(host, port, workers, loop)


@app.command("report")
def report_cmd(
    input: Annotated[str, typer.Argument(help="Canonical deals, JSON Lines.")],
    output: Annotated[str, typer.Option("-o", "--output", help="The HTML file.")] = "report.html",
    now: Annotated[str | None, typer.Option(help="Audit time, ISO 8601 (default: now).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of today's samples.")] = 0,
    config: Config = None,
    labels: Annotated[str | None, typer.Option(help="Auditors' labels (`crmqa labels export`) "
                                               "for the calibration section.")] = None,
) -> None:
    """Score deals and write the department head's HTML report (self-contained)."""
    from pathlib import Path

    from analyzer.batch import validate
    from analyzer.schema import Deal
    from crmqa.demo import build_report

    with reported():
        cfg = _ready(config)
        errors: list[LineError] = []
        raw = []
        with open_input(input) as (stream, _):
            for n, line in lines_of(stream):
                try:
                    obj = load_object(line)
                    validate(Deal, obj)
                    raw.append(obj)
                except ValueError as exc:
                    errors.append(LineError(n, str(exc)))
        report_errors(errors, len(raw) + len(errors), None)
        if not raw:
            raise InputError("no usable deals")
        from crmqa import calibration

        marks = calibration.load(labels) if labels else None
        *_, html = build_report(raw, parse_now(now, cfg), cfg, seed, None, Path(output),
                                labels=marks)
    print(html.resolve())


def main() -> None:
    from api.store import StoreUnavailable

    try:
        app()
    except StoreUnavailable as exc:
        print(f"crmqa: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()

"""Input and output plumbing shared by the batch commands."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from analyzer.batch import LineError, numbered


class InputError(Exception):
    """The input as a whole cannot be used (one-line reason for the user)."""


@contextlib.contextmanager
def open_input(path: str) -> Iterator[tuple[IO[bytes], int | None]]:
    """(binary stream, size in bytes or None) for a path or '-' (stdin)."""
    if path == "-":
        yield sys.stdin.buffer, None
        return
    p = Path(path)
    if not p.exists():
        raise InputError(f"file not found: {path}")
    if p.is_dir():
        raise InputError(f"is a directory, not a JSON Lines file: {path}")
    with p.open("rb") as fh:
        yield fh, p.stat().st_size


@contextlib.contextmanager
def seekable(path: str) -> Iterator[str]:
    """A path that can be read twice: stdin is spooled to a temporary file."""
    if path != "-":
        yield path
        return
    fd, tmp = tempfile.mkstemp(prefix="crmqa-", suffix=".jsonl")
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(sys.stdin.buffer, out)
        yield tmp
    finally:
        os.unlink(tmp)


@contextlib.contextmanager
def csv_as_jsonl(path: str) -> Iterator[str]:
    """A `.csv` with columns id,text read as JSON Lines (other paths pass through)."""
    if not path.lower().endswith(".csv"):
        yield path
        return
    import csv
    import json

    fd, tmp = tempfile.mkstemp(prefix="crmqa-", suffix=".jsonl")
    try:
        with open(path, encoding="utf-8-sig", newline="") as src, \
                os.fdopen(fd, "w", encoding="utf-8") as out:
            reader = csv.DictReader(src)
            if not reader.fieldnames or "text" not in reader.fieldnames:
                raise InputError("CSV needs a header with columns id,text")
            for row in reader:
                out.write(json.dumps({"id": row.get("id"), "text": row.get("text")},
                                     ensure_ascii=False) + "\n")
        yield tmp
    except FileNotFoundError:
        raise InputError(f"file not found: {path}") from None
    finally:
        os.unlink(tmp)


@contextlib.contextmanager
def open_output(path: str | None) -> Iterator[IO[str]]:
    if path in (None, "-"):
        yield sys.stdout
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        yield fh


def progress(enabled: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                    TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                    console=Console(stderr=True), disable=not enabled, transient=True)


class Counted:
    """Wraps a binary stream: counts bytes read (for the progress bar)."""

    def __init__(self, stream: IO[bytes]):
        self.stream, self.bytes = stream, 0

    def __iter__(self):
        for line in self.stream:
            self.bytes += len(line)
            yield line


def report_errors(errors: list[LineError], total: int, errors_file: str | None) -> None:
    """Bad lines go to stderr (line number + reason) and, optionally, to a file."""
    for err in errors[:20]:
        print(err.render(), file=sys.stderr)
    if len(errors) > 20:
        print(f"… ещё {len(errors) - 20} строк с ошибками", file=sys.stderr)
    if errors_file:
        import json

        with open(errors_file, "w", encoding="utf-8") as fh:
            for err in errors:
                fh.write(json.dumps({"line": err.line, "error": err.reason},
                                    ensure_ascii=False) + "\n")
    if errors:
        print(f"обработано строк: {total - len(errors)}, пропущено с ошибками: {len(errors)}",
              file=sys.stderr)


def lines_of(stream) -> Iterator[tuple[int, str]]:
    return numbered(stream)

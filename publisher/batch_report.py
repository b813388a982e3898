"""What `publisher batch` leaves for people and programs to read: OUT/manifest.json (every input
article, its status, files, checksums, pages and error) and OUT/index.html (links to them)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from publisher import layouts
from publisher.batch_state import Entry, notices
from publisher.files import inside, write_atomic
from publisher.model import WARNING_KINDS, Article, Options, has_warning, warning_code


def group_key(article: Article, group_by: str) -> str:
    if group_by == "source":
        return article.meta.get("source") or article.source.stem
    if article.date is None:
        return "undated"
    return str(article.date.year) if group_by == "year" else f"{article.date:%Y-%m}"


def write_manifest(out: Path, entries: list[Entry], volumes: list[str]) -> None:
    listed = [{"id": e.id, "source": e.source, "title": e.title, "status": e.status, "outputs": e.outputs,
               "sha256": e.sha256, "pages": e.pages, "error": e.error, "warnings": notices(e.warnings)}
              for e in entries]
    warned, kinds = warning_counts(entries)
    summary = {"articles": len(entries), "ok": sum(e.status == "ok" for e in entries),
               "failed": sum(e.status not in ("ok", "empty", "orphaned", "removed") for e in entries),
               "reused": sum(e.reused for e in entries),
               "built": sum(e.status == "ok" and not e.reused for e in entries), "volumes": volumes,
               "empty": sum(e.status == "empty" or has_warning(e.warnings, "no-text") for e in entries),
               "orphaned": sum(e.status == "orphaned" for e in entries),
               "removed": sum(e.status == "removed" for e in entries),
               "with_warnings": warned, "warnings": kinds}
    data = json.dumps({"articles": listed, "summary": summary}, ensure_ascii=False, indent=1)
    write_atomic(inside(out, "manifest.json"), data.encode("utf-8"))


def warning_counts(entries: list[Entry]) -> tuple[int, dict[str, int]]:
    """How many articles have warnings, and how many have each kind, most first."""
    kinds: Counter[str] = Counter()
    for entry in entries:
        kinds.update({warning_code(warning) for warning in entry.warnings})
    return sum(bool(entry.warnings) for entry in entries), dict(kinds.most_common())


def warnings_line(entries: list[Entry], where: str) -> str:
    """"12 articles with warnings: 9 no glyph for a character, 3 title without text (see …)"."""
    warned, kinds = warning_counts(entries)
    if not warned:
        return ""
    shown = ", ".join(f"{count} {WARNING_KINDS.get(code, code)}" for code, count in kinds.items())
    return f"{warned} article{'s' if warned != 1 else ''} with warnings: {shown} (see {where})"


def write_index(out: Path, entries: list[Entry], articles: list[Article], group_by: str | None,
                 options: Options) -> None:
    """OUT/index.html: every article with links to its files, by group when grouped."""
    by_slug = {a.slug: a for a in articles}
    rows: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        article = by_slug.get(entry.id)
        key = group_key(article, group_by) if group_by and article else ""
        rows.setdefault(key, []).append({"entry": entry, "article": article})
    layout = layouts.find(options.layout, options.layouts_dirs)
    lang = articles[0].lang if articles else "ar"
    page = layouts.render(layout, "index.html.j2", groups=sorted(rows.items()), lang=lang,
                          dir="rtl" if lang.split("-")[0] in ("ar", "fa", "ur", "he") else "ltr",
                          volumes=sorted((out / "volumes").glob("*.pdf")) if group_by else [])
    write_atomic(inside(out, "index.html"), page.encode("utf-8"))

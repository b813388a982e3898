"""What `publisher batch` remembers between runs, in OUT/.publisher/state.sqlite: each article's
fingerprint (everything its outputs depend on) and the manifest entry its files gave."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path

from publisher import DATA_ROOT, __version__, fonts
from publisher.model import Article, Notice, Options, asset_bytes, warning_code

STATE = ".publisher/state.sqlite"


@dataclass
class Entry:
    """One input article's line in the manifest."""

    id: str
    source: str
    title: str = ""
    status: str = "failed"
    outputs: dict[str, str] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    pages: int | None = None
    error: str | None = None
    reused: bool = False
    warnings: list[str] = field(default_factory=list)
    """Notices (model.Notice): kept with the entry, so that an unchanged rerun reports them too."""


def notices(warnings: list[str]) -> list[dict[str, str]]:
    """Warnings as manifest.json and the state list them: {"code": ..., "message": ...}."""
    return [{"code": warning_code(warning), "message": str(warning)} for warning in warnings]


def _entry(saved: str) -> Entry:
    """An entry as the state stored it, its warnings Notices again."""
    data = json.loads(saved)
    warnings = [Notice(item["code"], item["message"]) for item in data.pop("warnings", [])]
    return Entry(**data, warnings=warnings)


class State:
    """What earlier runs made: an article's fingerprint and the files it gave."""

    def __init__(self, out: Path):
        path = out / STATE
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        # A record lost to a power cut only means that article is built again: the outputs are
        # written (and synced) before their record, so the log need not be synced at every commit.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS done (id TEXT PRIMARY KEY, fingerprint TEXT, entry TEXT)")

    def reusable(self, key: str, fingerprint: str, out: Path) -> Entry | None:
        row = self.db.execute("SELECT fingerprint, entry FROM done WHERE id = ?", (key,)).fetchone()
        if not row or row[0] != fingerprint:
            return None
        entry = _entry(row[1])
        if entry.status != "ok" or not all((out / rel).is_file() for rel in entry.outputs.values()):
            return None
        return replace(entry, reused=True)

    def record(self, key: str, fingerprint: str, entry: Entry) -> None:
        saved = {k: v for k, v in entry.__dict__.items() if k not in ("reused", "warnings")}
        saved["warnings"] = notices(entry.warnings)
        self.db.execute("INSERT OR REPLACE INTO done VALUES (?, ?, ?)", (key, fingerprint, json.dumps(saved)))
        self.db.commit()

    def known(self) -> dict[str, Entry]:
        """Every entry an earlier run recorded, by id (volumes' too)."""
        return {key: _entry(saved) for key, saved in self.db.execute("SELECT id, entry FROM done")}

    def forget(self, key: str) -> None:
        self.db.execute("DELETE FROM done WHERE id = ?", (key,))
        self.db.commit()

    def close(self) -> None:
        self.db.close()


def fingerprint(article: Article, environment: str) -> str:
    digest = hashlib.sha256(environment.encode())
    fields = {"slug": article.slug, "title": article.title, "subtitle": article.subtitle, "body": article.body_html,
              "lang": article.lang, "dir": article.dir, "authors": article.authors, "byline": article.byline,
              "credit": article.credit,
              "dateline": article.dateline, "date": article.date.isoformat() if article.date else None,
              "summary": article.summary, "tags": article.tags, "meta": article.meta}
    digest.update(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode())
    for url, asset in sorted(article.assets.items()):
        digest.update(url.encode() + hashlib.sha256(asset_bytes(asset)).digest())
    return digest.hexdigest()


def environment_fingerprint(layout, options: Options) -> str:
    """What every article's outputs depend on besides the article: publisher's version, the
    options, the layout's files (its ancestors' too) and the fonts."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"{__version__}\0{version('weasyprint')}\0{options!r}".encode())
    folders = [item.folder for item in layout.chain] + [fonts.FONTS_DIR]
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + hashlib.sha256(path.read_bytes()).digest())
    digest.update(str(DATA_ROOT).encode())
    return digest.hexdigest()

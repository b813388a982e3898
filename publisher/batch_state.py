"""What `publisher batch` remembers between runs, in OUT/.publisher/state.sqlite: each article's
fingerprint (everything its outputs depend on) and the manifest entry its files gave, and for a
record read from bytes of its own (a JSON Lines line, a one-article file) the digest of those
bytes, so that an unchanged record is known without being read again.

And what a run lists as it goes (Listing, in OUT/.publisher/run.sqlite): every input article in
order with its entry, so that an archive of any size is never held in memory."""

from __future__ import annotations

import hashlib
import json
import pickle
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from publisher import DATA_ROOT, __version__, fonts
from publisher.model import Article, Notice, Options, asset_bytes, warning_code

STATE = ".publisher/state.sqlite"
RUN = ".publisher/run.sqlite"


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
    date: str | None = None
    """The article's date (ISO), and its language: for the index, when the article is not read again."""
    lang: str | None = None


def notices(warnings: list[str]) -> list[dict[str, str]]:
    """Warnings as manifest.json and the state list them: {"code": ..., "message": ...}."""
    return [{"code": warning_code(warning), "message": str(warning)} for warning in warnings]


def _entry(saved: str) -> Entry:
    """An entry as the state stored it, its warnings Notices again."""
    data = json.loads(saved)
    warnings = [Notice(item["code"], item["message"]) for item in data.pop("warnings", [])]
    return Entry(**data, warnings=warnings)


def _saved(entry: Entry, listed: bool = False) -> str:
    """An entry as JSON; the state's never says `reused` (it is whether this run reused it)."""
    saved = {k: v for k, v in entry.__dict__.items() if k != "warnings" and (listed or k != "reused")}
    saved["warnings"] = notices(entry.warnings)
    return json.dumps(saved, ensure_ascii=False)


def _whole(saved: str, out: Path) -> tuple[Entry, str] | None:
    """The stored entry, marked reused, and its JSON as the listing keeps it, if it was made and
    its files are all there. The JSON is the state's with `reused` added, not encoded again: an
    unchanged rerun of an archive lists every entry this way (a third of its time, measured, went
    to decoding and encoding the same entries twice)."""
    entry = _entry(saved)
    if entry.status != "ok" or not all((out / rel).is_file() for rel in entry.outputs.values()):
        return None
    entry.reused = True  # decoded just now: nobody else holds it
    return entry, saved[:-1] + ', "reused": true}'


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
        self.db.execute("CREATE TABLE IF NOT EXISTS raw (item TEXT PRIMARY KEY, digest TEXT, base TEXT, id TEXT)")

    def reusable(self, key: str, fingerprint: str | None, out: Path) -> tuple[Entry, str] | None:
        """The entry of `key` and its listing JSON (`_whole`) if its files are there and, given a
        fingerprint, it is the same."""
        row = self.db.execute("SELECT fingerprint, entry FROM done WHERE id = ?", (key,)).fetchone()
        if not row or (fingerprint is not None and row[0] != fingerprint):
            return None
        return _whole(row[1], out)

    def unread(self, item: str, digest: str, out: Path) -> tuple[str, str, tuple[Entry, str] | None] | None:
        """(the slug its article was read as, the one it was given, and its entry with its listing
        JSON if its files are there) for an item whose bytes were read before into the same
        settings (`digest`), or None: one query, since an unchanged rerun asks it of every record."""
        row = self.db.execute("SELECT raw.base, raw.id, done.entry FROM raw LEFT JOIN done ON done.id = raw.id "
                              "WHERE raw.item = ? AND raw.digest = ?", (item, digest)).fetchone()
        if not row:
            return None
        return row[0], row[1], _whole(row[2], out) if row[2] else None

    def record(self, key: str, fingerprint: str, entry: Entry) -> None:
        self.db.execute("INSERT OR REPLACE INTO done VALUES (?, ?, ?)", (key, fingerprint, _saved(entry)))
        self.db.commit()

    def remember(self, item: str, digest: str, base: str, key: str) -> None:
        """That the bytes of `item` read as the article `key` (whose own slug is `base`)."""
        self.db.execute("INSERT OR REPLACE INTO raw VALUES (?, ?, ?, ?)", (item, digest, base, key))

    def volumes(self) -> list[tuple[str, Entry]]:
        """The volumes an earlier run made."""
        return [(key, _entry(saved)) for key, saved in
                self.db.execute("SELECT id, entry FROM done WHERE id LIKE 'volumes/%'").fetchall()]

    def forget(self, key: str) -> None:
        self.db.execute("DELETE FROM done WHERE id = ?", (key,))
        self.db.execute("DELETE FROM raw WHERE id = ?", (key,))
        self.db.commit()

    def close(self) -> None:
        self.db.close()


class Listing:
    """This run's input articles in order, each with its entry as it stands (a placeholder until
    its files are written), in OUT/.publisher/run.sqlite, made afresh by every run and deleted
    at its end. With --group-by, each article is kept there too, for its group's volume (pickled:
    written and read by this run alone)."""

    def __init__(self, out: Path):
        self.path = out / RUN
        for leftover in (self.path, self.path.with_name(self.path.name + "-journal")):
            leftover.unlink(missing_ok=True)  # an earlier run that was killed
        # A connection of its own, with the state attached to read (for orphans): a transaction
        # that wrote to both would be a multi-file commit, with a super-journal and its syncs.
        self.db = sqlite3.connect(self.path.resolve().as_uri(), uri=True)
        # Scratch: a run that is killed starts its listing again, so nothing here need survive a
        # crash: no journal, no syncs, no file locks taken and released for every row (this run
        # alone uses it), and a commit every few hundred rows.
        self.db.execute("PRAGMA main.journal_mode=OFF")
        self.db.execute("PRAGMA main.synchronous=OFF")
        self.db.execute("PRAGMA main.locking_mode=EXCLUSIVE")
        self.db.execute("ATTACH DATABASE ? AS state", ((out / STATE).resolve().as_uri(),))  # only read here
        self.db.execute("CREATE TABLE listing (pos INTEGER PRIMARY KEY, id TEXT UNIQUE, grp TEXT, "
                        "status TEXT, entry TEXT)")
        self.db.execute("CREATE TABLE members (pos INTEGER PRIMARY KEY, id TEXT, grp TEXT, fingerprint TEXT, "
                        "article BLOB)")
        # Rows are written a few hundred at a time: every call into SQLite gives up the GIL, and
        # taking it back from the threads that feed the workers cost more than the rows (measured:
        # ten calls an article made a 2-core batch a third slower). The ids are kept in memory to
        # tell a repeated slug (tens of bytes an article: 3 MB for 30,000).
        self.pending: dict[str, tuple[str, str, str]] = {}
        self.ids: set[str] = set()

    def add(self, entry: Entry, group: str = "", listed: str | None = None) -> None:
        """The entry listed at the end (or, if its id is listed, in place of that one's); `listed`:
        its JSON, when the state gave it (`_whole`)."""
        self.ids.add(entry.id)
        self.pending[entry.id] = (group, entry.status, listed or _saved(entry, listed=True))
        if len(self.pending) >= 256:
            self._flush()

    def update(self, entry: Entry) -> None:
        """The listed entry of this id, now as it stands."""
        group = self.pending[entry.id][0] if entry.id in self.pending else ""
        self.add(entry, group)

    def _flush(self) -> None:
        # An id listed before keeps its place (and group); a new one goes at the end.
        self.db.executemany("INSERT INTO listing (id, grp, status, entry) VALUES (?, ?, ?, ?) ON CONFLICT(id) "
                            "DO UPDATE SET status = excluded.status, entry = excluded.entry",
                            [(key, *row) for key, row in self.pending.items()])
        self.pending.clear()
        self.db.commit()

    def taken(self, key: str) -> bool:
        return key in self.ids

    def entries(self) -> Iterator[Entry]:
        self._flush()
        # A cursor, not fetchall: row by row, however many the archive holds.
        for (saved,) in self.db.execute("SELECT entry FROM listing ORDER BY pos"):
            yield _entry(saved)

    def by_group(self) -> Iterator[tuple[str, Entry]]:
        """(group, entry) in group order, and in input order within a group."""
        self._flush()
        for group, saved in self.db.execute("SELECT grp, entry FROM listing ORDER BY grp, pos"):
            yield group, _entry(saved)

    def orphans(self) -> list[tuple[str, Entry]]:
        """Articles an earlier run built that this run's inputs no longer hold."""
        self._flush()
        found = [(key, _entry(saved)) for key, saved in self.db.execute(
            "SELECT id, entry FROM state.done WHERE id NOT LIKE 'volumes/%' "
            "AND id NOT IN (SELECT id FROM listing)").fetchall()]
        self.db.commit()  # and the state's log is not held open by this connection's reading
        return found

    def keep_member(self, key: str, group: str, fingerprint: str, article: Article) -> None:
        self.db.execute("INSERT INTO members (id, grp, fingerprint, article) VALUES (?, ?, ?, ?)",
                        (key, group, fingerprint, pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL)))

    def groups(self) -> list[tuple[str, str]]:
        """(group, its built members' fingerprints joined), for every group with a built member."""
        self._flush()
        rows = self.db.execute("SELECT m.grp, m.fingerprint FROM members m JOIN listing l ON l.id = m.id "
                               "WHERE l.status = 'ok' ORDER BY m.grp, m.pos").fetchall()
        joined: dict[str, list[str]] = {}
        for group, fingerprint in rows:
            joined.setdefault(group, []).append(fingerprint)
        return [(group, "".join(prints)) for group, prints in joined.items()]

    def members(self, group: str) -> list[Article]:
        self._flush()
        rows = self.db.execute("SELECT m.article FROM members m JOIN listing l ON l.id = m.id "
                               "WHERE m.grp = ? AND l.status = 'ok' ORDER BY m.pos", (group,)).fetchall()
        return [pickle.loads(blob) for (blob,) in rows]

    def close(self) -> None:
        try:
            self.db.close()  # what is pending was written by entries(), or is not wanted
        finally:
            self.path.unlink(missing_ok=True)


def fingerprint(article: Article, environment: str) -> str:
    digest = hashlib.sha256(environment.encode())
    fields = {"slug": article.slug, "title": article.title, "subtitle": article.subtitle,
              "short_title": article.short_title, "body": article.body_html,
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

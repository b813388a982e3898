"""A book built again into the same folder lays out only the parts whose articles changed, and
comes out as the same bytes a clean build of the same inputs makes, in any folder."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import make_export, publisher


def laid_out(monkeypatch) -> list[int]:
    """The documents WeasyPrint lays out from now on (by the number of articles they hold: 0 for
    the front matter and the folio specimens), counted where the book hands them to the renderer."""
    from publisher.outputs import volume

    seen: list[int] = []
    render = volume.render_pdf

    def counted(document, publication, laid_out=None):
        seen.append(document.html.count('<article id="article-'))
        return render(document, publication, laid_out)

    monkeypatch.setattr(volume, "render_pdf", counted)
    return seen


def book(export: Path, out: Path, *extra: str) -> tuple[bytes, bytes]:
    run = publisher("book", export, "--title", "مجلد", "--jobs", "1", "--out", out, *extra)
    assert run.code == 0, run.stderr
    return next(out.glob("*.pdf")).read_bytes(), next(out.glob("*.epub")).read_bytes()


def edited(export: Path, target: Path, change) -> Path:
    records = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    change(records)
    target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return target


def test_a_book_rebuilt_lays_out_only_what_changed(tmp_path, small_parts, monkeypatch):
    from publisher.outputs import volume

    export = make_export(tmp_path / "many.jsonl", 10)  # three parts or more (small_parts)
    seen = laid_out(monkeypatch)
    first = book(export, tmp_path / "out")
    folder = tmp_path / "out" / ".publisher" / "kept"
    before = {path.name for path in folder.glob("*.part")}
    articles = [record for record in export.read_text(encoding="utf-8").splitlines()]
    assert sum(seen) == len(articles) and seen.count(0) == 3  # every article; two specimens, the front
    parts = len([n for n in seen if n])
    assert parts >= 3

    seen.clear()
    assert book(export, tmp_path / "out") == first  # nothing changed: nothing laid out
    assert seen == []
    assert book(export, tmp_path / "out", "--force") == first  # --force: every part laid out again
    assert sum(seen) == len(articles)

    def correct(records):
        records[7]["content"] += "\nوأضاف المتحدث أن العمل سيستمر حتى نهاية الشهر المقبل."

    changed = edited(export, tmp_path / "changed.jsonl", correct)
    seen.clear()
    rebuilt = book(changed, tmp_path / "out")
    own_part = next(end - start for start, end in volume.part_bounds(_slugs(changed)) if start <= 7 < end)
    assert [n for n in seen if n] == [own_part]  # its part alone (and the front, if folios moved)
    seen.clear()
    assert rebuilt == book(changed, tmp_path / "clean")  # the bytes of a clean build, in another folder
    assert sum(seen) == len(articles)

    def insert(records):
        records.insert(8, {**records[3], "title": "خبر أضيف في الوسط", "url": "https://example.org/news/inserted"})

    inserted = edited(changed, tmp_path / "inserted.jsonl", insert)
    seen.clear()
    rebuilt = book(inserted, tmp_path / "out")
    assert 1 <= len([n for n in seen if n]) <= 2 < parts  # the parts around it, not those after it
    assert rebuilt == book(inserted, tmp_path / "clean-inserted")

    # What the last build did not use is gone; what it used is there, and named.
    after = {path.name for path in folder.glob("*.part")}
    listed = set(json.loads(next(folder.glob("*.json")).read_text(encoding="utf-8"))["parts"])
    assert before - after and {name.removesuffix(".part") for name in after} == listed


def test_a_kept_part_that_does_not_read_back_is_laid_out_again(tmp_path, small_parts, monkeypatch):
    """A part cut short (a crash mid-write, a full disk) or altered is rendered again, never used."""
    export = make_export(tmp_path / "many.jsonl", 5)
    first = book(export, tmp_path / "out")
    kept = sorted((tmp_path / "out" / ".publisher" / "kept").glob("*.part"))
    assert kept
    kept[0].write_bytes(kept[0].read_bytes()[:-100])
    kept[1].write_bytes(kept[1].read_bytes().replace(b"/Page", b"/Pagf", 1))
    seen = laid_out(monkeypatch)
    assert book(export, tmp_path / "out") == first
    assert 1 <= len(seen) <= 2


def _slugs(export: Path):
    from publisher.builder import gather

    articles, failed = gather([export])
    assert not failed
    return articles


def test_a_folder_that_cannot_keep_parts_costs_a_warning_not_the_book(tmp_path):
    export = make_export(tmp_path / "few.jsonl", 3)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".publisher").write_text("a file where the state folder would be")
    run = publisher("book", export, "--title", "مجلد", "--jobs", "1", "--out", out)
    assert run.code == 0, run.stderr
    assert "could not keep the laid-out parts" in run.stderr and "Traceback" not in run.stderr
    assert next(out.glob("*.pdf")).stat().st_size and next(out.glob("*.epub")).stat().st_size

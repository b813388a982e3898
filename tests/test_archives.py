"""Archives as batches meet them: exports read a record at a time in whatever encoding they are
in, and reruns that skip what did not change yet always equal a clean build."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import publisher


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def write_export(path: Path, records: list[dict], encoding: str = "utf-8") -> Path:
    path.write_bytes("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode(encoding))
    return path


def record(title: str, text: str = "نص الخبر في فقرة واحدة تكفي للتجربة.", **fields) -> dict:
    return {"title": title, "content": text, "date": "2026-11-20", **fields}


def outputs(out: Path) -> dict[str, tuple[str, dict]]:
    """id -> (status, sha256 of each file), as manifest.json lists them."""
    return {a["id"]: (a["status"], a["sha256"]) for a in manifest(out)["articles"]}


def test_a_rerun_after_names_shift_equals_a_clean_build(tmp_path):
    # Two records share a title, so the second is "same-name-2"; when the first is retitled,
    # the second becomes "same-name", as a clean build would name it.
    records = [record("Same Name"), record("Same Name", "نص آخر مختلف عن الأول في كل كلمة."), record("Third One")]
    export = write_export(tmp_path / "feed.jsonl", records)
    out = tmp_path / "out"
    assert publisher("batch", export, "--out", out, "-f", "html", "-j", "1").code == 0
    assert list(outputs(out)) == ["same-name", "same-name-2", "third-one"]
    records[0]["title"] = "Other Name"
    write_export(export, records)
    rerun = publisher("batch", export, "--out", out, "-f", "html", "-j", "1")
    assert rerun.code == 0, rerun.stderr
    clean = tmp_path / "clean"
    assert publisher("batch", export, "--out", clean, "-f", "html", "-j", "1").code == 0
    assert outputs(out) == {**outputs(clean), "same-name-2": outputs(out)["same-name-2"]}
    assert outputs(out)["same-name-2"][0] == "orphaned"
    assert list(outputs(clean)) == ["other-name", "same-name", "third-one"]
    assert "(2 built, 1 unchanged)" in rerun.stdout + rerun.stderr


def test_a_rerun_reads_a_record_again_when_its_image_or_the_credits_table_changed(tmp_path):
    (tmp_path / "pic.png").write_bytes(_png(1))
    export = write_export(tmp_path / "feed.jsonl", [
        record("With Image", '<p>نص الخبر.</p><img src="pic.png" alt="صورة المبنى">'),
        record("By Agency", "نص خبر الوكالة في فقرة واحدة.", author="القاهرة: نجمة"),
    ])
    out = tmp_path / "out"
    assert publisher("batch", export, "--out", out, "-f", "html", "-j", "1", cwd=tmp_path).code == 0
    page = (out / "by-agency.html").read_text(encoding="utf-8")
    assert "نجمة" in page and "القاهرة" in page
    first = outputs(out)
    # The image beside the export changes; the record's line does not.
    (tmp_path / "pic.png").write_bytes(_png(2))
    rerun = publisher("batch", export, "--out", out, "-f", "html", "-j", "1", cwd=tmp_path)
    assert "(1 built, 1 unchanged)" in rerun.stdout + rerun.stderr, rerun.stderr
    images = [p for p in (out / "images").iterdir()] if (out / "images").is_dir() else []
    assert any(p.read_bytes() == _png(2) for p in out.rglob("*.png")), images
    # A credits table in the working folder names نجمة an agency: the byline becomes a credit.
    (tmp_path / "credits.yml").write_text("agencies:\n  - [نجمة, وكالة نجمة]\n", encoding="utf-8")
    third = publisher("batch", export, "--out", out, "-f", "html", "-j", "1", cwd=tmp_path)
    assert third.code == 0 and "unchanged" in third.stdout + third.stderr
    assert outputs(out)["by-agency"][1] != first["by-agency"][1]


def test_json_lines_in_legacy_encodings_are_read_a_line_at_a_time(tmp_path):
    records = [record(f"Line {n}", "خبر عن المدينة والحدائق العامة في الصيف.") for n in range(1, 4)]
    legacy = write_export(tmp_path / "legacy.jsonl", records, "cp1256")
    wide = tmp_path / "wide.jsonl"
    wide.write_bytes("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-16"))
    # A UTF-8 export with one line saved in another encoding: that line alone is guessed.
    mixed = tmp_path / "mixed.jsonl"
    lines = [json.dumps(r, ensure_ascii=False).encode("utf-8") for r in records]
    lines[1] = json.dumps(records[1], ensure_ascii=False).encode("cp1256")
    mixed.write_bytes(b"\n".join(lines) + b"\n")
    for export in (legacy, wide, mixed):
        out = tmp_path / f"out-{export.stem}"
        run = publisher("batch", export, "--out", out, "-f", "html", "-j", "1")
        assert run.code == 0, run.stderr
        for entry in manifest(out)["articles"]:
            page = (out / entry["outputs"]["html"]).read_text(encoding="utf-8")
            assert "خبر عن المدينة والحدائق العامة في الصيف." in page, (export.name, entry["id"])
        codes = [[w["code"] for w in a["warnings"]] for a in manifest(out)["articles"]]
        expected = {"legacy": [["not-utf8"]] * 3, "wide": [[]] * 3, "mixed": [[], ["not-utf8"], []]}
        assert codes == expected[export.stem], codes


def _png(shade: int) -> bytes:
    """A 2x2 grey PNG, a different file for each shade."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + bytes([shade * 60] * 2) for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))

"""Batch export: parallel, incremental, resumable, on Dask, with a manifest that misses nothing."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pypdf
import pytest

from conftest import ROOT, assert_ace_passes, epubcheck, make_export, publisher

CORPUS = ROOT.parent / "shared" / "corpus" / "saudinewsnet-2015-07-22.jsonl"


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def assert_all_open(out: Path, entries: list[dict]) -> None:
    for entry in entries:
        assert entry["status"] == "ok", entry
        pdf, epub = out / entry["outputs"]["pdf"], out / entry["outputs"]["epub"]
        assert len(pypdf.PdfReader(pdf).pages) >= 1
        with zipfile.ZipFile(epub) as archive:
            assert archive.testzip() is None and archive.read("mimetype") == b"application/epub+zip"


@pytest.mark.skipif(not CORPUS.is_file(), reason="../shared/corpus is not beside the project")
def test_50_corpus_articles_with_two_jobs(tmp_path):
    # Every eighth record of the corpus: all five of its newspapers (the first 120 records held
    # three), 14 "CITY: NAME" bylines among them, in less than half the time 120 took.
    export = tmp_path / "c50.jsonl"
    export.write_text("".join(CORPUS.read_text(encoding="utf-8").splitlines(keepends=True)[::8]), encoding="utf-8")
    run = publisher("batch", export, "--out", tmp_path / "out", "--jobs", "2")
    assert run.code == 0, run.stderr
    data = manifest(tmp_path / "out")
    assert data["summary"]["ok"] == 50 and len(data["articles"]) == 50
    assert_all_open(tmp_path / "out", data["articles"])
    # As stores and libraries take them: EPUBCheck clean on twenty of them, Ace by DAISY's verdict
    # "pass" with no violation on two (a second of a core each; the corpus book of test_publications
    # gives Ace twelve more articles).
    epubs = sorted((tmp_path / "out").glob("*.epub"))
    for epub in epubs[::6]:
        assert [m for m in epubcheck(epub) if m["severity"] in ("FATAL", "ERROR", "WARNING")] == [], epub
    assert_ace_passes(epubs[::25], tmp_path / "ace")


def test_rerun_rebuilds_only_what_changed(tmp_path):
    export = make_export(tmp_path / "feed.jsonl", 8)
    out = tmp_path / "out"
    assert publisher("batch", export, "--out", out, "--jobs", "2").code == 0
    first = manifest(out)
    assert first["summary"]["built"] == 8
    again = publisher("batch", export, "--out", out, "--jobs", "2")
    assert again.code == 0 and "(0 built, 8 unchanged)" in again.stderr + again.stdout
    lines = export.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[3])
    record["content"] += "\nفقرة أضيفت."
    lines[3] = json.dumps(record, ensure_ascii=False)
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    third = publisher("batch", export, "--out", out, "--jobs", "2")
    assert "(1 built, 7 unchanged)" in third.stderr + third.stdout
    assert manifest(out)["articles"][3]["sha256"]["pdf"] != first["articles"][3]["sha256"]["pdf"]
    forced = publisher("batch", export, "--out", out, "--jobs", "2", "--force")
    assert "(8 built, 0 unchanged)" in forced.stderr + forced.stdout


def test_a_failed_record_is_listed_and_the_rest_build(tmp_path):
    export = make_export(tmp_path / "feed.jsonl", 3)
    with export.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    run = publisher("batch", export, "--out", tmp_path / "out", "--jobs", "1")
    assert run.code == 1
    data = manifest(tmp_path / "out")
    assert data["summary"] == {**data["summary"], "articles": 4, "ok": 3, "failed": 1}
    failed = [a for a in data["articles"] if a["status"] == "failed"]
    assert failed[0]["source"].endswith("feed.jsonl record 4") and "not valid JSON" in failed[0]["error"]
    assert "feed.jsonl record 4" in run.stderr
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert index.count('href="') >= 6 and "not valid JSON" in index


def test_kill_9_leaves_whole_files_and_the_next_run_completes(tmp_path):
    export = make_export(tmp_path / "feed.jsonl", 40)
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "publisher", "batch", str(export), "--out", str(out),
                                "--jobs", "2", "--quiet"], cwd=ROOT, start_new_session=True)
    state = out / ".publisher" / "state.sqlite"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:  # wait for some work, not for a time
        if state.exists():
            try:
                with sqlite3.connect(state) as db:
                    if db.execute("SELECT count(*) FROM done").fetchone()[0] >= 3:
                        break
            except sqlite3.Error:
                pass
        time.sleep(0.05)
    import os

    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    import tempfile

    left = list(Path(tempfile.gettempdir()).glob(f"publisher-tmp-{process.pid}-*"))
    assert left  # the killed run's scratch (WeasyPrint's font copies), which the next run removes
    for pdf in out.glob("*.pdf"):
        assert len(pypdf.PdfReader(pdf).pages) >= 1, pdf
    for epub in out.glob("*.epub"):
        with zipfile.ZipFile(epub) as archive:
            assert archive.testzip() is None
    run = publisher("batch", export, "--out", out, "--jobs", "2")
    assert run.code == 0, run.stderr
    data = manifest(out)
    assert data["summary"]["ok"] == 40 and data["summary"]["reused"] >= 3
    assert not list(out.rglob("*.part")) and not any(folder.exists() for folder in left)
    assert_all_open(out, data["articles"])


# A Dask cluster and the run that uses it, in a process of their own: Dask's client and
# scheduler leave threads behind, and a process pool forked later from a process that holds them
# can hang on a lock one of them held (test_batch's later runs did, for 40 s and more).
ON_DASK = (
    "import sys\n"
    "from distributed import LocalCluster\n"
    "from publisher import cli\n"
    "with LocalCluster(n_workers=2, threads_per_worker=1, host='127.0.0.1', dashboard_address=None,\n"
    "                  processes=True) as cluster:\n"
    "    sys.argv = ['publisher', 'batch', sys.argv[1], '--out', sys.argv[2], '--scheduler',\n"
    "                cluster.scheduler_address]\n"
    "    try:\n"
    "        cli.main()\n"
    "    except SystemExit as exit:\n"
    "        code = exit.code\n"
    "sys.exit(code)\n")


def test_dask_cluster_gives_the_same_files(tmp_path):
    export = make_export(tmp_path / "feed.jsonl", 6)
    assert publisher("batch", export, "--out", tmp_path / "local", "--jobs", "2").code == 0
    run = subprocess.run([sys.executable, "-c", ON_DASK, str(export), str(tmp_path / "dask")], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    local, remote = manifest(tmp_path / "local"), manifest(tmp_path / "dask")
    assert [a["sha256"] for a in local["articles"]] == [a["sha256"] for a in remote["articles"]]
    assert_all_open(tmp_path / "dask", remote["articles"])


def test_unreachable_scheduler_is_a_clear_error(tmp_path):
    export = make_export(tmp_path / "feed.jsonl", 1)
    run = publisher("batch", export, "--out", tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9")
    assert run.code == 2 and "cannot reach the Dask scheduler" in run.stderr and "Traceback" not in run.stderr


def test_group_by_month_writes_volumes_and_an_index(tmp_path):
    export = make_export(tmp_path / "feed.jsonl", 4)
    run = publisher("batch", export, "--out", tmp_path / "out", "--jobs", "2", "--group-by", "month",
                    "-f", "pdf")
    assert run.code == 0, run.stderr
    volumes = sorted(p.name for p in (tmp_path / "out" / "volumes").glob("*.pdf"))
    assert volumes == ["2026-11.pdf"]
    reader = pypdf.PdfReader(tmp_path / "out" / "volumes" / "2026-11.pdf")
    assert len([o for o in reader.outline if not isinstance(o, list)]) == 4
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "volumes/2026-11.pdf" in index and index.count(".pdf") >= 5


def test_fail_fast_lists_what_it_did_not_reach(tmp_path):
    export = tmp_path / "feed.jsonl"
    make_export(export, 5)
    lines = export.read_text(encoding="utf-8").splitlines()
    lines.insert(0, '{"title": "", "content": ""}')
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = publisher("batch", export, "--out", tmp_path / "out", "--jobs", "1", "--fail-fast")
    assert run.code == 1
    data = manifest(tmp_path / "out")
    assert len(data["articles"]) == 6
    assert {a["status"] for a in data["articles"]} <= {"ok", "failed", "skipped"}


def test_bad_jobs_and_scheduler_are_one_line_errors(tmp_path):
    export = make_export(tmp_path / "feed.jsonl", 1)
    for args in (("--jobs", "0"), ("--scheduler", "not-an-address"), ("--group-by", "week")):
        run = publisher("batch", export, "--out", tmp_path / "out", *args)
        assert run.code == 2 and "Traceback" not in run.stderr and "bug:" not in run.stderr, (args, run.stderr)


def test_a_worker_that_dies_fails_its_article_alone(tmp_path):
    """A worker killed while it renders (out of memory, say): that article fails, every other
    one is built, and the run ends with the manifest. The run is a process of its own whose
    renderer is patched before the pool forks its workers from it: forked from a test process
    that earlier tests left threads in (Dask's), a worker can hang on a lock one of them held."""
    patched = (
        "import os, signal, sys\n"
        "from publisher import cli, workers\n"
        "real = workers.render_outputs\n"
        "def dies_on_the_third(publication):\n"
        "    if publication.title.startswith('خبر رقم 3:'):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return real(publication)\n"
        "workers.render_outputs = dies_on_the_third\n"
        "sys.argv = ['publisher', *sys.argv[1:]]\n"
        "cli.main()\n")
    export = make_export(tmp_path / "feed.jsonl", 6)
    run = subprocess.run([sys.executable, "-c", patched, "batch", str(export), "--out", str(tmp_path / "out"),
                          "--jobs", "2", "-f", "pdf"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 1, run.stderr
    data = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    statuses = {a["title"].split(":")[0]: a["status"] for a in data["articles"]}
    assert statuses == {f"خبر رقم {n}": "failed" if n == 3 else "ok" for n in range(1, 7)}, data["articles"]
    assert "the worker failed" in next(a["error"] for a in data["articles"] if a["status"] == "failed")


def test_records_taken_down_are_orphaned_then_pruned(tmp_path):
    """An archive takes articles down: a record no longer in the inputs is listed as orphaned with
    its files; with --prune its files are deleted and it is listed as removed; a grouped volume
    that held one is made again without it."""
    export = make_export(tmp_path / "feed.jsonl", 8)
    records = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    for index in (6, 7):  # October's only articles: both are taken down, and October's volume with them
        records[index]["date_extracted"] = "2026-10-05 10:00:00"
    export.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out"
    assert publisher("batch", export, "--out", out, "-f", "epub", "--group-by", "month", "-q").code == 0
    assert sorted(p.name for p in (out / "volumes").glob("*.epub")) == ["2026-10.epub", "2026-11.epub"]
    volume_before = {path.name: path.read_bytes() for path in (out / "volumes").glob("*.epub")}
    lines = export.read_text(encoding="utf-8").splitlines()
    kept = [line for index, line in enumerate(lines) if index not in (1, 3, 4, 6, 7)]
    export.write_text("\n".join(kept) + "\n", encoding="utf-8")
    run = publisher("batch", export, "--out", out, "-f", "epub", "--group-by", "month", "-q")
    assert run.code == 0, run.stderr
    assert "3 of 3 articles ok" in run.stdout + run.stderr
    assert "5 articles no longer in the inputs" in run.stderr
    data = manifest(out)
    orphaned = [a for a in data["articles"] if a["status"] == "orphaned"]
    assert len(orphaned) == 5 and data["summary"]["orphaned"] == 5
    assert all((out / a["outputs"]["epub"]).is_file() for a in orphaned)  # still there, listed
    pruned = publisher("batch", export, "--out", out, "-f", "epub", "--group-by", "month", "-q", "--prune")
    assert pruned.code == 0, pruned.stderr
    data = manifest(out)
    removed = [a for a in data["articles"] if a["status"] == "removed"]
    assert len(removed) == 5 and not any((out / o["outputs"]["epub"]).is_file() for o in orphaned)
    assert len(list(out.glob("*.epub"))) == 3
    after = {path.name: path.read_bytes() for path in (out / "volumes").glob("*.epub")}
    # Made again without them; a month none of the three is in has no volume left.
    assert after and all(after.get(name) != data for name, data in volume_before.items())
    months = {json.loads(line)["date_extracted"][:7] for line in kept}
    assert sorted(after) == sorted(f"{month}.epub" for month in months) == ["2026-11.epub"]
    assert publisher("batch", export, "--out", out, "-f", "epub", "-q").code == 0
    assert manifest(out)["summary"]["removed"] == 0  # said once; the state forgot them

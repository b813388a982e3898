"""Faults of the machine are the user's to fix, not bugs: a full disk, a read-only folder, a folder
another run is using. One line, exit status 3 (never 70), whole files only, and the same command
goes on afterwards. The full and read-only file systems are real ones (tmpfs, mounted as root)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import make_export, publisher


@pytest.fixture
def small_disk(tmp_path):
    """A 400 KB file system, mounted for the test; skipped where the tests may not mount."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a small file system needs root")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_one_line_and_the_next_run_goes_on(small_disk, tmp_path):
    export = make_export(tmp_path / "feed.jsonl", 16)
    out = small_disk / "out"
    run = publisher("batch", export, "--out", out, "-f", "pdf", "-q")
    assert run.code == 3, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "no space left on the device" in lines[0] and "of 16 articles done" in lines[0]
    assert "run the same command again" in lines[0] and "bug" not in lines[0]
    assert not list(out.rglob("*.part"))  # every file there is whole
    done = sorted(out.glob("*.pdf"))
    assert done
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    again = publisher("batch", export, "--out", out, "-f", "pdf", "-q")
    assert again.code == 0, again.stderr
    summary = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["summary"]
    # What was whole is kept: all but the file whose record met the full disk and the one the
    # writer thread had written ahead of it (batch._written overlaps a write with the next render).
    assert summary["ok"] == 16 and summary["reused"] >= len(done) - 2


def test_a_read_only_folder_is_one_line(small_disk, tmp_path):
    export = make_export(tmp_path / "feed.jsonl", 2)
    (small_disk / "out").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    run = publisher("batch", export, "--out", small_disk / "out", "-f", "pdf", "-q")
    assert run.code == 3 and "read-only" in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_a_folder_in_use_by_another_run_is_refused(tmp_path):
    export = make_export(tmp_path / "feed.jsonl", 2)
    out = tmp_path / "out"
    (out / ".publisher").mkdir(parents=True)
    holder = subprocess.Popen(  # another run, holding the folder's lock as a batch does
        [sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a+'); "
         "fcntl.lockf(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(out / ".publisher" / "lock")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        run = publisher("batch", export, "--out", out, "-f", "pdf", "-q")
        assert run.code == 3 and "in use by another publisher batch" in run.stderr
        assert not list(out.glob("*.pdf"))
    finally:
        holder.kill()
        holder.wait()
    assert publisher("batch", export, "--out", out, "-f", "pdf", "-q").code == 0


def test_the_message_names_the_file(tmp_path):
    from publisher.batch import machine_fault

    full = OSError(28, "No space left on device", str(Path("/data/out/a.pdf")))
    fault = machine_fault(full, Path("/data/out"), 7, 60)
    assert fault.exit_code == 3 and "/data/out/a.pdf" in fault.message and "7 of 60 articles done" in fault.message


def test_a_full_disk_met_by_the_state_file_says_so():
    import sqlite3

    from publisher.batch import machine_fault

    fault = machine_fault(sqlite3.OperationalError("database or disk is full"), Path("/data/out"), 3, 9)
    assert fault.exit_code == 3 and "no space left on the device" in fault.message and "3 of 9" in fault.message

"""`publisher preview` in a real browser: Debian's chromium driven by Playwright (its own browsers
never downloaded), against the command run as a user runs it."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time

import pytest

from conftest import ROOT, chromium

ARTICLE = "---\ntitle: خبر للمعاينة\n---\n\nكلمة {word} في نص المعاينة.\n"


@pytest.fixture
def preview(tmp_path):
    """The preview of one article, running; (its address, the article, the folder)."""
    folder = tmp_path / "in"
    folder.mkdir()
    article = folder / "news.md"
    article.write_text(ARTICLE.format(word="أولى"), encoding="utf-8")
    (tmp_path / "outside.md").write_text("سر لا يخرج", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"}
    process = subprocess.Popen([sys.executable, "-m", "publisher", "preview", article], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        address = ""
        started = time.monotonic()
        while not address and time.monotonic() - started < 90:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                pytest.fail(f"preview ended: {process.stderr.read()}")
            if line.startswith("preview on "):
                address = line.split()[2]
        assert address.startswith("http://127.0.0.1:"), address
        yield address, article, tmp_path
    finally:
        process.terminate()
        process.wait(timeout=30)


def status(address: str, raw_path: str, host_header: str | None = None) -> int:
    """The status of a request sent with its path exactly as written (no client tidies it)."""
    host, port = address.removeprefix("http://").rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", raw_path, headers={"Host": host_header} if host_header else {})
    code = connection.getresponse().status
    connection.close()
    return code


def test_the_preview_shows_pages_follows_edits_and_errors_and_serves_nothing_else(preview):
    from playwright.sync_api import sync_playwright

    address, article, folder = preview
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(address)
            first = page.locator("img.page[data-page='1']")
            first.wait_for(state="visible", timeout=30_000)
            assert page.evaluate("(img) => img.naturalWidth", first.element_handle()) > 100  # the image loaded
            assert "أولى" in page.frame_locator("iframe").locator("body").inner_text()
            # A word changed in the article shows in the open page, no reload asked for.
            article.write_text(ARTICLE.format(word="ثانية"), encoding="utf-8")
            changed = time.monotonic()
            while time.monotonic() - changed < 10:
                try:
                    if "ثانية" in page.frame_locator("iframe").locator("body").inner_text(timeout=1000):
                        break
                except Exception:  # the page is reloading just then
                    pass
                time.sleep(0.2)
            else:
                pytest.fail("the new word did not show within 10 s")
            # A build error is said on the page, in one line.
            article.write_text("---\ntitle: [غير مغلق\n---\n\nنص.\n", encoding="utf-8")
            error = page.locator(".error")
            error.wait_for(state="visible", timeout=15_000)
            text = error.inner_text()
            assert "news.md" in text and "\n" not in text.strip(), text
        finally:
            browser.close()
    # Only the publication's own files: not its source, not anything beside or above it.
    assert status(address, "/news.html") in (200, 404)  # the build's page (absent while the error stands)
    assert status(address, "/_preview/state.json") == 200
    # A page of another site whose name was rebound to 127.0.0.1 sends its own Host: refused.
    assert status(address, "/_preview/state.json", host_header="attacker.example") == 421
    for path in ("/../outside.md", "/../../outside.md", "/../in/news.md", f"/{folder / 'outside.md'}",
                 f"//{folder / 'outside.md'}", "/%2e%2e/outside.md", f"/{ROOT / 'pyproject.toml'}", "/etc/passwd"):
        assert status(address, path) == 404, path

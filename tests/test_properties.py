"""Properties of every reader, on generated input: nothing but the project's own errors, and no
word of a readable text lost."""

from __future__ import annotations

import html as html_lib
import json
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import words
from publisher.errors import PublisherError
from publisher.model import Article
from publisher.sources import read

SUFFIXES = [".txt", ".md", ".html", ".json", ".jsonl", ".docx"]
# Letters, digits and the punctuation wire copy is made of, in the proportions that make rules fire.
ALPHABET = st.sampled_from(
    list("ابتثجحخدذرسشصضطظعغفقكلمنهويءآأإةى") + list("abcXYZ") + list("0123456789٠١٢٣") + list("     \n\n")
    + list("-•*.:،,«»\"()/؟!") + ["كتب : ", "بقلم ", "- ", "\n- ", ":\n", ".,", "\u200f", "\ufeb3", "1. "]
)
TEXT = st.lists(ALPHABET, max_size=300).map("".join)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_all(data: bytes, suffix: str) -> list[Article | PublisherError]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        return list(read(path))  # anything other than the project's errors escapes and fails the test


@FAST
@given(data=st.binary(max_size=2000), suffix=st.sampled_from(SUFFIXES))
def test_any_bytes_give_articles_or_our_errors(data, suffix):
    for item in read_all(data, suffix):
        assert isinstance(item, Article | PublisherError)


@FAST
@given(text=TEXT, suffix=st.sampled_from(SUFFIXES))
def test_any_text_gives_articles_or_our_errors(text, suffix):
    for item in read_all(text.encode("utf-8"), suffix):
        assert isinstance(item, Article | PublisherError)


def everything_shown(article: Article) -> str:
    body = html_lib.unescape(re.sub(r"<[^>]+>", " ", article.body_html))
    return " ".join([article.title, article.subtitle, article.byline, article.dateline, body])


def assert_no_word_lost(source: str, items: list) -> None:
    articles = [item for item in items if isinstance(item, Article)]
    if not articles:
        # an error is only right when there was nothing to read, or nothing but a byline
        assert not words(source) or "nothing else" in str(items[0]), items
        return
    lost = words(source) - words(" ".join(everything_shown(a) for a in articles))
    assert not lost, lost


@FAST
@given(text=TEXT.filter(lambda t: not t.lstrip().startswith("---")))
def test_wire_text_keeps_every_word(text):
    assert_no_word_lost(text, read_all(text.encode("utf-8"), ".txt"))


@FAST
@given(text=TEXT)
def test_html_keeps_every_word(text):
    page = "<html><body><article>" + "".join(f"<p>{html_lib.escape(line)}</p>" for line in text.split("\n"))
    assert_no_word_lost(text, read_all((page + "</article></body></html>").encode(), ".html"))


@FAST
@given(records=st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=4))
def test_json_lines_keep_every_word(records):
    lines = [json.dumps({"title": title, "content": content}, ensure_ascii=False) for title, content in records]
    items = read_all("\n".join(lines).encode(), ".jsonl")
    assert len(items) == len(records)
    for (title, content), item in zip(records, items, strict=True):
        assert_no_word_lost(f"{title}\n{content}", [item])

"""Property-based tests (hypothesis): no exception on arbitrary input, and the invariants
of cleaning, sentence splitting and chunking. Decoding round trips are in test_decode.py.

FUZZ_EXAMPLES=2000 runs them long; the defaults keep the whole file to a few seconds.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from summarizer.chunk import count_tokens, plan_chunks, split_in_half
from summarizer.errors import InputError
from summarizer.facts import establish_facts
from summarizer.ingest import Document, parse_text, read_report
from summarizer.ingest.clean import _Prefilter, clean_text, load_rules
from summarizer.ingest.decode import frequent_gb
from summarizer.ingest.sentences import MAX_CHARS, split_spans
from summarizer.schema import HAN as HAN_CHARACTER

from .conftest import SEED_FILES

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 0)) or None


def fuzz(n: int):
    return settings(max_examples=EXAMPLES or n, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture])


# ---------------------------------------------------------------- strategies
RULES = load_rules()
BOILERPLATE_LINES = [r.example for r in RULES if r.removed is None and "\n" not in r.example
                     and not any(x.after is not None and x.after.search(r.example) for x in RULES)]
# keep examples of rules that depend on the rest of the page (an account handle elsewhere) are not content everywhere
KEEP_LINES = [k for r in RULES if r.scope not in ("after", "account_name") for k in r.keep if "\n" not in k]
SEED_DOCS = [read_report(path) for path in SEED_FILES]
SEED_SENTENCES = sorted({s.text for doc in SEED_DOCS for s in doc.sentences
                         if s.text != doc.title and len(s.text) >= 6})
HAN = sorted(frequent_gb())
_CONTENT_CHAR = re.compile(r"[\w\u3400-\u9fff]")


@st.composite
def chinese_sentence(draw):
    """A content sentence: a real one from the seeds, a rule's keep example, or random Chinese."""
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return draw(st.sampled_from(SEED_SENTENCES))
    if kind == 1:
        return draw(st.sampled_from(KEEP_LINES))
    body = "".join(draw(st.lists(st.sampled_from(HAN) | st.sampled_from(list("，、（）《》0123456789")),
                                 min_size=4, max_size=60)))
    return body + draw(st.sampled_from(["。", "！", "？", "；", ""]))


tokens = st.one_of(
    st.sampled_from(SEED_SENTENCES), st.sampled_from(HAN), st.sampled_from(BOILERPLATE_LINES),
    st.sampled_from(["\n", "\n\n", "\r\n", "。", "，", "(wù)", "（试行）", "??", "?", "第87次", "3月24日", "2021年",
                     "县长", "主持召开", "常务会议", "会议指出", "要求", "微信号\njixianweiyan\n", "功能介绍\n",
                     "<p>", "</p>", "<html>", " ", "\u3000", "\ufffd", "\x00", "\u2028"]),
    st.text(max_size=8),
)
noisy_report = st.lists(tokens, max_size=40).map("".join)


# ---------------------------------------------------------------- whole ingest on arbitrary input
@fuzz(80)
@given(st.binary(max_size=2000) | noisy_report.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_read_report_gives_a_document_or_one_clear_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "r.txt"
    path.write_bytes(data)
    try:
        doc = read_report(path)
    except InputError as err:
        assert str(err).startswith(f"{path}: ") and "\n" not in str(err)
        return
    assert doc.sentences and any(s.text != doc.title for s in doc.sentences)
    assert doc.language in ("zh", "en")


@fuzz(60)
@given(noisy_report)
def test_metadata_parsing_never_raises_on_arbitrary_documents(text):
    try:
        doc = parse_text(text, path=Path("r.txt"), sha256="0" * 64, encoding="utf-8")
    except InputError:
        return
    facts = establish_facts(doc)
    people = facts.people + ([facts.chair] if facts.chair else [])
    assert all(p.name_en and not HAN_CHARACTER.search(p.name_en) for p in people)  # every name is romanized


@fuzz(60)
@given(st.text(max_size=300))
def test_parse_text_never_raises_anything_but_input_error(text):
    try:
        doc = parse_text(text, path=Path("r.txt"), sha256="0" * 64, encoding="utf-8")
    except InputError as err:
        assert "\n" not in str(err)
        return
    assert isinstance(doc, Document) and doc.sentences


# ---------------------------------------------------------------- cleaning
@fuzz(150)
@given(st.text(max_size=400) | noisy_report)
def test_cleaning_only_deletes_and_offsets_map_back_exactly(text):
    cleaned = clean_text(text)
    original = cleaned.original
    assert original == text
    for i, char in enumerate(cleaned.text):
        assert original[cleaned.offsets.to_original(i)] == char
    # the cleaned text is the original minus the removals, in order
    kept, cursor = [], 0
    for r in cleaned.removals:
        assert cursor <= r.start < r.end <= len(text)
        kept.append(text[cursor:r.start])
        cursor = r.end
    kept.append(text[cursor:])
    assert "".join(kept) == cleaned.text


LINE_RULES = tuple(r for r in RULES if r.scope not in ("after", "account_name"))
EXAMPLE_LINES = [line for r in RULES for text in (r.example, *r.keep) for line in text.splitlines()]


@fuzz(200)
@given(st.lists(st.sampled_from(EXAMPLE_LINES) | st.sampled_from(SEED_SENTENCES) | st.text(max_size=20),
                min_size=1, max_size=3).map("".join))
def test_the_line_prefilter_never_hides_a_rule_match(line):
    # clean.py skips lines its combined prefilter rules out: it must agree with the rules one by one
    if any(r.pattern.search(line) for r in LINE_RULES):
        assert _Prefilter(LINE_RULES).search(line)


@fuzz(100)
@given(st.lists(st.tuples(st.booleans(), chinese_sentence(), st.sampled_from(BOILERPLATE_LINES)),
                min_size=1, max_size=12))
def test_cleaning_never_drops_a_content_sentence(lines):
    """Content sentences, each alone on its line, mixed with boilerplate lines: all content stays."""
    out, content = [], []
    for with_boilerplate, sentence, boilerplate in lines:
        out.append(sentence)
        content.append(sentence)
        if with_boilerplate:
            out.append(boilerplate)
    cleaned = clean_text("\n".join(out))
    kept = cleaned.text.splitlines()
    for sentence in content:
        assert sentence.strip() in kept, sentence
    assert set(kept) <= {s.strip() for s in content}  # and every boilerplate line went


@fuzz(60)
@given(st.lists(chinese_sentence(), min_size=1, max_size=8))
def test_paragraphs_of_content_survive_whole(sentences):
    text = "".join(s if s[-1:] in "。！？；" else s + "。" for s in sentences)
    assert clean_text(text).text == text


# ---------------------------------------------------------------- sentence splitting
@fuzz(150)
@given(st.text(max_size=600) | noisy_report, st.sampled_from(["zh", "en"]))
def test_sentence_spans_are_ordered_trimmed_and_cover_all_content(text, language):
    spans = split_spans(text, language)
    previous_end = 0
    for span in spans:
        assert previous_end <= span.start < span.end <= len(text)
        piece = text[span.start:span.end]
        assert piece == piece.strip() and _CONTENT_CHAR.search(piece)
        previous_end = span.end
    covered = bytearray(len(text))
    for span in spans:
        covered[span.start:span.end] = b"\x01" * (span.end - span.start)
    for m in _CONTENT_CHAR.finditer(text):
        assert covered[m.start()], (m.start(), text)
    assert [s.paragraph for s in spans] == sorted(s.paragraph for s in spans)


@fuzz(60)
@given(st.text(st.sampled_from(HAN[:50] + list("，、 ")), min_size=MAX_CHARS, max_size=3 * MAX_CHARS))
def test_long_sentences_are_cut_to_the_limit(text):
    for span in split_spans(text):
        assert span.end - span.start <= MAX_CHARS


# ---------------------------------------------------------------- chunking
@fuzz(300)
@given(st.lists(st.tuples(st.integers(0, 120), st.booleans()), max_size=80), st.integers(1, 300))
def test_plan_chunks_covers_every_sentence_once_in_order_within_budget(items, budget):
    ids = list(range(1, len(items) + 1))
    costs = [c for c, _ in items]
    starts = [s for _, s in items]
    chunks = plan_chunks(ids, costs, starts, budget)
    assert [i for c in chunks for i in c.ids] == ids  # every sentence exactly once, in order
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert chunk.ids
        assert chunk.tokens == sum(costs[i - 1] for i in chunk.ids)
        if chunk.tokens > budget:
            assert len(chunk.ids) == 1  # only a single over-budget sentence may exceed it
    for a, b in zip(chunks, chunks[1:]):  # a chunk is only closed when the next sentence would not fit
        assert a.tokens + costs[b.ids[0] - 1] > budget or starts[b.ids[0] - 1]


@fuzz(100)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=30))
def test_split_in_half_keeps_every_sentence(costs):
    chunk = plan_chunks(list(range(1, len(costs) + 1)), costs, [False] * len(costs), 10_000)[0]
    halves = split_in_half(chunk, lambda i: costs[i - 1])
    assert [i for h in halves for i in h.ids] == list(chunk.ids)
    assert sum(h.tokens for h in halves) == chunk.tokens


@fuzz(60)
@given(st.text(max_size=300))
def test_token_counting_never_raises(text):
    assume("\ud800" not in text)
    n = count_tokens(text)
    assert (n == 0) == (text == "") and n <= len(text.encode("utf-8"))  # at least one byte per token

"""``summarizer translate``: windows, outputs, checks, resume, dry run, batch, brief --translate, eval."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from summarizer.checks.translation import check_translation, sentence_numbers
from summarizer.facts import establish_facts
from summarizer.ingest import read_report
from summarizer.schema import Brief, TranslatedReport
from summarizer.runners.synthetic import report_lines, schema_of

from .conftest import seed
from .fakeserver import FakeOpenAI, schema_responder
from .test_cli import cli

DIGITS = re.compile(r"\d+")


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def faithful(wrong: int | None = None):
    """A fake model that writes each sentence id's numbers and dates in English (so the number check has
    nothing to say), except sentence ``wrong``, which gets a number of its own."""

    def figures(zh: str) -> str:
        required, _, dates = sentence_numbers(re.sub(r"\[[^\]]*\]", "", zh))  # without the inline renderings
        words = [f"{min(m.values):g}" for m in required] + [f"{MONTHS[mo - 1]} {d}" for mo, d in sorted(dates)]
        return f" with {', '.join(words)}" if words else ""

    def respond(body: dict) -> str:
        schema = schema_of(body)
        if not all(key.isdigit() for key in schema["properties"]):  # a briefing step
            return schema_responder(body)
        lines = dict(report_lines(body["messages"]))
        return json.dumps({key: f"English of sentence S{key}{figures(lines.get(int(key), ''))}"
                           + (" and 999" if int(key) == wrong else "") + "." for key in schema["properties"]})

    return respond


def test_translate_a_folder_writes_three_files_per_report_checked_and_resumable(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(seed("003"), reports / "dongchuan.txt")
    shutil.copy(seed("001"), reports / "puyang.md")
    out = tmp_path / "out"
    doc = read_report(reports / "dongchuan.txt")
    numbered = next(s.id for s in doc.sentences if DIGITS.search(s.simplified))
    with FakeOpenAI(responder=faithful(wrong=numbered)) as fake:
        env = {"OPENAI_BASE_URL": fake.base_url, "COLUMNS": "200"}
        run = cli("translate", reports, "--out", out, "--model", "m", env=env)
        assert run.returncode == 0, run.stderr
        assert "translation@v1 on m" in run.stdout
        for name in ("dongchuan", "puyang"):
            for suffix in (".en.md", ".bilingual.html", ".translation.json"):
                assert (out / f"{name}{suffix}").is_file(), name + suffix
        tr = TranslatedReport.model_validate_json((out / "dongchuan.translation.json").read_text())
        # every sentence once, in order, verbatim, where the input file has it
        assert [s.id for s in tr.sentences] == [s.id for s in doc.sentences]
        assert all(s.en for s in tr.sentences)
        original = doc.original
        for pair, sentence in zip(tr.sentences, doc.sentences, strict=True):
            assert pair.zh == sentence.text
            if doc.in_file(sentence) == sentence.text:
                assert original[pair.start:pair.end] == pair.zh
        assert tr.prompt.name == "translation" and tr.prompt.version == 1 and tr.model.name == "m"
        # windows of whole paragraphs, each request once (calls fewer than sentences)
        assert 1 < tr.usage.calls < len(tr.sentences)
        # the one sentence given a number of its own is the one number check
        numbers = [c for c in tr.checks if c.kind == "translation_number"]
        assert [c.detail["id"] for c in numbers] == [numbered], numbers
        assert numbers[0].target == f"sentences[{numbered - 1}].en" and "999" in numbers[0].message
        markdown = (out / "dongchuan.en.md").read_text()
        assert "English of sentence S2" in markdown and not re.search(r"[\u4e00-\u9fff]", markdown.split("---")[0])
        page = (out / "dongchuan.bilingual.html").read_text()
        assert f'data-s="{numbered}"' in page and "translation_number" in page and "<script" in page
        assert "http://" not in page and "https://" not in page  # opens offline
        requests = len(fake.chat_requests)
        again = cli("translate", reports, "--out", out, "--model", "m", env=env)
        assert again.returncode == 0 and "up to date" in again.stdout
        assert len(fake.chat_requests) == requests  # resume: nothing redone


def test_translate_dry_run_counts_windows_and_makes_no_call(fake, tmp_path):
    env = {"OPENAI_BASE_URL": fake.base_url, "COLUMNS": "200"}
    run = cli("translate", seed("000"), "--dry-run", "--model", "gpt-4o-mini", "--out", tmp_path / "o", env=env)
    assert run.returncode == 0, run.stderr
    assert "dry run: translation@v1" in run.stdout and "chunks (steps: translate)" in run.stdout
    assert fake.requests == [] and not (tmp_path / "o").exists()


def test_translate_refuses_a_briefing_prompt_and_brief_a_translation_prompt(fake, tmp_path):
    env = {"OPENAI_BASE_URL": fake.base_url}
    run = cli("translate", seed("001"), "--prompt", "briefing@v5", "--out", tmp_path, env=env)
    assert run.returncode == 1 and "not a translation prompt" in run.stderr
    run = cli("brief", seed("001"), "--prompt", "translation@v1", "--out", tmp_path, env=env)
    assert run.returncode == 1 and "not a briefing prompt" in run.stderr
    assert fake.requests == []


def test_a_window_the_model_keeps_failing_is_halved_and_one_bad_sentence_is_left_out(tmp_path):
    """Replies without the window's keys are schema violations: the window is halved until a single
    sentence still fails; that sentence has no English and a check, the rest of the report stands."""
    doc = read_report(seed("001"))

    def respond(body: dict) -> str:
        keys = list(schema_of(body)["properties"])
        if "1" in keys:  # the model never manages sentence 1
            return json.dumps({"x": "no"})
        return json.dumps({k: f"English of sentence S{k}." for k in keys})

    with FakeOpenAI(responder=respond) as fake:
        env = {"OPENAI_BASE_URL": fake.base_url}
        run = cli("translate", seed("001"), "--out", tmp_path, "--model", "m", "--max-attempts", "1", env=env)
        assert run.returncode == 0, run.stderr
    tr = TranslatedReport.model_validate_json(next(tmp_path.glob("*.translation.json")).read_text())
    assert tr.sentences[0].en is None and all(s.en for s in tr.sentences[1:])
    assert len(tr.sentences) == len(doc.sentences)
    missing = [c for c in tr.checks if c.kind == "item_missing"]
    assert [c.target for c in missing] == ["sentences[0].en"]
    assert "[sentence 1 not translated]" in next(tmp_path.glob("*.en.md")).read_text()


def test_brief_translate_puts_the_english_of_cited_sentences_beside_the_chinese(tmp_path):
    with FakeOpenAI(responder=faithful()) as fake:
        env = {"OPENAI_BASE_URL": fake.base_url}
        first = cli("translate", seed("004"), "--out", tmp_path, "--model", "m", env=env)
        assert first.returncode == 0, first.stderr
        translated = len(fake.chat_requests)
        run = cli("brief", seed("004"), "--out", tmp_path, "--model", "m", "--translate", env=env)
        assert run.returncode == 0, run.stderr
    brief = Brief.model_validate_json(next(tmp_path.glob("*.brief.json")).read_text())
    # the translation on disk was reused: no translation window was asked for again
    assert all("a JSON object with one key per sentence id" not in r["body"]["messages"][-1]["content"]
               for r in fake.chat_requests[translated:])
    quoted = [e for item in brief.summary for e in item.evidence] + [a.evidence_zh for a in brief.actions]
    assert quoted and set(brief.evidence_en) == set(quoted)
    tr = TranslatedReport.model_validate_json(next(tmp_path.glob("*.translation.json")).read_text())
    assert all(brief.evidence_en[q] == tr.english_of()[q] for q in quoted)
    markdown = next(tmp_path.glob("*.brief.md")).read_text()
    first_quote = quoted[0]
    assert f"{first_quote} — *{brief.evidence_en[first_quote]}*" in markdown
    assert brief.options["translate"] == "translation@v1"
    # the spot-check review page shows the English under each evidence sentence
    page = tmp_path / "review.html"
    sampled = cli("spotcheck", "sample", tmp_path, "-n", "50", "--seed", "1", "-o", page)
    assert sampled.returncode == 0, sampled.stderr
    html = page.read_text()
    assert 'class="evidence-en"' in html and brief.evidence_en[first_quote] in html


def test_eval_translate_shows_the_english_of_action_evidence_in_the_report(tmp_path):
    dataset = tmp_path / "ds"
    shutil.copytree("evals/datasets/seeds/004-shanyang-poverty-rural-video-conference", dataset / "004")
    (dataset / "dataset.toml").write_text('name = "one"\ndescription = "x"\n')
    runs = tmp_path / "runs"
    with FakeOpenAI(responder=faithful()) as fake:
        env = {"OPENAI_BASE_URL": fake.base_url, "COLUMNS": "250"}
        run = cli("eval", "run", "--dataset", dataset, "--prompt", "briefing@v5", "--model", "m", "--translate",
                  "--runs-dir", runs, "--run-id", "t", "--no-semantic", env=env)
        assert run.returncode == 0, run.stderr
        report = cli("eval", "report", runs / "t", "--runs-dir", runs, "-o", tmp_path / "r.html", env=env)
        assert report.returncode == 0, report.stderr
    item = json.loads((runs / "t" / "items.jsonl").read_text().splitlines()[0])
    english = item["brief"]["evidence_en"]
    action = next(a for a in item["brief"]["actions"] if a["evidence_zh"] in english)
    assert english[action["evidence_zh"]] in (tmp_path / "r.html").read_text()


def test_sentence_numbers_require_digits_and_large_numerals_not_small_words():
    required, allowed, dates = sentence_numbers("一是县政府第八十七次常务会议于3月10日审议两个方案,投入3.5亿元")
    assert {v for m in required for v in m.values} >= {87.0, 350000000.0, 3.5}
    assert 1.0 not in {v for m in required for v in m.values}  # 一是: "first", not a number to keep
    assert 2.0 in allowed and dates == {(3, 10)}


def test_translation_checks_catch_a_wrong_number_a_wrong_name_and_a_merge(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("县长刘锐主持召开第26次常务会议。\n会议要求各乡镇于3月10日前完成23个项目的排查整治工作并上报县政府办公室。\n"
                    "会议研究了其他事项。\n", encoding="utf-8")
    doc = read_report(path)
    facts = establish_facts(doc)
    from summarizer.schema import ModelRef, PromptRef, SentencePair, Source, Usage

    def report(english: list[str | None]) -> TranslatedReport:
        return TranslatedReport(
            tool_version="t", source=Source(path="r.txt", sha256="x", chars=1, language="zh", script="simplified"),
            prompt=PromptRef(name="translation", version=1, sha256="x"), model=ModelRef(name="m", endpoint="e"),
            usage=Usage(), sentences=[SentencePair(id=s.id, zh=s.text, start=s.start, end=s.end, paragraph=s.paragraph,
                                                   heading=s.heading, en=e) for s, e in zip(doc.sentences, english)])

    good = report(["County Head Liu Rui chaired the 26th executive meeting.",
                   "The meeting required all townships to finish inspecting and rectifying 23 projects by March 10 "
                   "and report to the county government office.", "The meeting also studied other matters."])
    assert [c for c in check_translation(good, doc, facts) if c.severity != "info"] == []
    bad = report(["County Head Liu Rei chaired the 25th executive meeting.", "The meeting also studied other matters.",
                  "The meeting also studied other matters."])
    kinds = {(c.kind, c.target) for c in check_translation(bad, doc, facts)}
    assert ("translation_number", "sentences[0].en") in kinds  # 26th -> 25th
    assert ("translation_name", "sentences[0].en") in kinds  # Liu Rui -> Liu Rei
    assert ("translation_number", "sentences[1].en") in kinds  # 23 and March 10 dropped
    assert ("translation_incomplete", "sentences[1].en") in kinds  # far too short for its Chinese
    missing = report(["County Head Liu Rui chaired the 26th executive meeting.", None, "Other matters."])
    assert ("sentence_untranslated", "sentences[1].en") in {(c.kind, c.target)
                                                             for c in check_translation(missing, doc, facts)}


def test_eval_scores_translation_prompts_against_reference_translations(fake, tmp_path):
    dataset = tmp_path / "ds"
    shutil.copytree("evals/datasets/seeds/001-puyang-26th-executive", dataset / "001")
    (dataset / "dataset.toml").write_text('name = "one"\ndescription = "x"\n')
    env = {"OPENAI_BASE_URL": fake.base_url, "COLUMNS": "250"}
    runs = tmp_path / "runs"
    run = cli("eval", "run", "--dataset", dataset, "--prompt", "translation@v1", "--prompt", "translation@v2",
              "--model", "m", "--runs-dir", runs, "--run-id", "tr", "--no-semantic", env=env)
    assert run.returncode == 0, run.stderr
    items = [json.loads(line) for line in (runs / "tr" / "items.jsonl").read_text().splitlines()]
    assert {i["prompt"] for i in items} == {"translation@v1", "translation@v2"}
    for item in items:
        assert item["status"] == "ok", item
        scores = item["scores"]
        assert 0 < scores["tr_chrf"] < 60 and scores["tr_coverage"] == 1.0  # stand-in English vs the reference
        assert scores["tr_untranslated"] == 0.0 and 0 <= scores["tr_term_accuracy"] <= 1
    compare = cli("eval", "compare", runs / "tr", "--runs-dir", runs, env=env)
    assert compare.returncode == 0, compare.stderr
    assert "tr_chrf" in compare.stdout
    mixed = cli("eval", "run", "--dataset", dataset, "--prompt", "translation@v1", "--prompt", "briefing@v5",
                "--model", "m", "--runs-dir", runs, "--no-semantic", env=env)
    assert mixed.returncode == 1 and "one kind per run" in mixed.stderr


@pytest.mark.browser
def test_bilingual_page_in_headless_chromium_lights_partners_offline(browser, tmp_path, artifacts):
    with FakeOpenAI(responder=faithful(wrong=3)) as fake:
        run = cli("translate", seed("001"), "--out", tmp_path, "--model", "m", env={"OPENAI_BASE_URL": fake.base_url})
        assert run.returncode == 0, run.stderr
    page_file = next(tmp_path.glob("*.bilingual.html"))
    tr = TranslatedReport.model_validate_json(next(tmp_path.glob("*.translation.json")).read_text())
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    errors, requests = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(page_file.as_uri())
    pairs = page.locator(".pair")
    assert pairs.count() == len(tr.sentences)
    zh, en = page.locator('.zh[data-s="3"]'), page.locator('.en[data-s="3"]')
    assert "English of sentence S3" in en.inner_text() and tr.sentences[2].zh in zh.inner_text()
    zh.hover()
    assert "lit" in (en.get_attribute("class") or "")  # hovering the Chinese lights its English
    assert "lit" not in (page.locator('.en[data-s="4"]').get_attribute("class") or "")
    page.locator('.en[data-s="5"]').hover()
    assert "lit" in (page.locator('.zh[data-s="5"]').get_attribute("class") or "")
    assert "lit" not in (en.get_attribute("class") or "")
    assert "translation_number" in page.locator("#s3 .checks").inner_text()  # the check sits on its sentence
    page.screenshot(path=str(artifacts / "bilingual.png"), full_page=False)
    assert errors == [] and all(url.startswith("file://") for url in requests)
    page.close()


def test_a_folder_of_outputs_is_not_read_back_as_reports(tmp_path):
    from summarizer.ingest import find_reports

    for name in ("a.txt", "a.brief.md", "a.en.md", "a.bilingual.html", "b.md", "b.html"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.name for p in find_reports(tmp_path)] == ["a.txt", "b.html", "b.md"]

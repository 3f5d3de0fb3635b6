"""The pipeline against a real local OpenAI-compatible server with scripted replies."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from summarizer.errors import UserError
from summarizer.facts import establish_facts
from summarizer.facts.structure import assignments, lead_ins, topics
from summarizer.generate import MAX_POINTS, generate
from summarizer.ingest import parse_text, read_report
from summarizer.llm import connect, model_ref
from summarizer.prompts import load_prompt
from summarizer.schema import HAN, Brief

from .conftest import SEED_FILES, seed


def brief(settings, doc, prompt="briefing@v1", **kw) -> Brief:
    async def go():
        async with connect(settings) as llm:
            return await generate(doc, establish_facts(doc), load_prompt(prompt), llm, model=model_ref(settings),
                                  context_tokens=kw.pop("context_tokens", settings.context_budget), **kw)

    return asyncio.run(go())


@pytest.mark.parametrize("prompt", ["briefing@v1", "briefing@v2", "briefing@v3", "briefing@v4", "briefing@v5", "briefing@v6"])
@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_every_seed_through_every_prompt(fake, settings_for, path, prompt):
    doc = read_report(path)
    out = brief(settings_for(fake), doc, prompt)
    facts = establish_facts(doc)
    # shape fixed by the tool: one point per topic, one action per assignment sentence
    assert len(out.summary) == len(topics(doc, facts))
    assert len(out.actions) == len(assignments(doc, facts))
    # evidence is verbatim in the cleaned source, owners are quoted from it
    for item in out.summary:
        assert item.evidence and all(e in doc.text for e in item.evidence)
    lead_in = {doc.sentence(item).text: doc.sentence(lead).text for item, lead in lead_ins(doc, facts).items()}
    for action in out.actions:
        assert action.evidence_zh in doc.text
        # quoted from its sentence, or from the lead-in ("会议要求，X、Y：") of an enumerated item
        assert action.owner_zh is None or action.owner_zh in action.evidence_zh + lead_in.get(action.evidence_zh, "")
    # English fields carry no Chinese
    for text in [out.meeting.title_en or "", *(s.text for s in out.summary), *(a.task_en for a in out.actions)]:
        assert not HAN.search(text)
    # the meeting facts are the tool's
    assert out.meeting.number == facts.number and out.meeting.date == facts.date
    assert out.prompt.version == int(prompt[-1]) and out.usage.calls >= 1
    Brief.model_validate_json(out.model_dump_json())  # round-trips through the public contract


def test_calls_per_report_follow_the_declared_steps(fake, settings_for):
    doc = read_report(seed("003"))
    facts = establish_facts(doc)
    n_topics, n_assign = len(topics(doc, facts)), len(assignments(doc, facts))
    settings = settings_for(fake)
    brief(settings, doc, "briefing@v3")
    assert len(fake.chat_requests) == 1  # whole-report prompt: one call for a report that fits
    fake.requests.clear()
    brief(settings, doc, "briefing@v1")
    assert len(fake.chat_requests) == 1 + n_topics + n_assign  # headline + per topic + per assignment


def test_prompt_layout_static_first_report_then_question(fake, settings_for):
    doc = read_report(seed("003"))
    brief(settings_for(fake), doc, "briefing@v1")
    systems = {r["body"]["messages"][0]["content"] for r in fake.chat_requests}
    assert len(systems) == 1  # one static system message for every call and every report
    for r in fake.chat_requests:
        user = r["body"]["messages"][1]["content"]
        assert user.startswith("<report>\n") and "</report>" in user  # report text delimited as data


def test_topic_layout_sends_each_part_once_then_its_jobs_in_order(fake, settings_for):
    """briefing@v5 (layout topic): the calls go out topic by topic; every call of a topic shows the
    same part and differs only after it (the job line), so a server that reuses the previous
    request's prefix reads each part once; every sentence of every topic is shown."""
    doc = read_report(seed("000"))
    facts = establish_facts(doc)
    found_topics, found = topics(doc, facts), assignments(doc, facts)
    out = brief(settings_for(fake, concurrency=1), doc, "briefing@v5")  # one in flight, as the embedded server
    users = [r["body"]["messages"][1]["content"] for r in fake.chat_requests]
    assert len(users) == 1 + len(found_topics) + len(found)  # headline, a point per topic, a task per assignment
    assert len({r["body"]["messages"][0]["content"] for r in fake.chat_requests}) == 1  # one static system message
    parts = [u[:u.index("</report>")] for u in users]
    jobs = [u[u.index("</report>"):] for u in users]
    assert jobs[0].startswith('</report>\nJob "headline"') and jobs[1].startswith('</report>\nJob "summary" of part 1 ')
    # consecutive calls of one part: the part is repeated verbatim, so only the job line is new
    changes = [n for n in range(1, len(parts)) if parts[n] != parts[n - 1]]
    assert len(changes) == len(found_topics) - 1
    assert all(jobs[n].startswith('</report>\nJob "summary" of part ') for n in changes)
    shown = set()
    for part in dict.fromkeys(parts):
        shown |= {int(i) for i in re.findall(r"^\[(\d+)\] ", part, re.MULTILINE)}
    assert {i for t in found_topics for i in t.ids} <= shown
    # each assignment's job names its sentence, inside the part shown with it
    work = [(p, int(re.search(r"sentence (\d+)", j).group(1))) for p, j in zip(parts, jobs) if "work in sentence" in j]
    assert sorted(sid for _, sid in work) == sorted(a.sentence for a in found)
    assert all(f"\n[{sid}] " in p for p, sid in work)
    assert len(out.summary) == len(found_topics) and len(out.actions) == len(found)


def test_progress_counts_planned_and_finished_calls(fake, settings_for):
    """The progress bar's second line: a report announces the calls its steps declare, and each
    call finished (answered or cached) counts once, with the tokens the model wrote."""
    doc = read_report(seed("003"))
    facts = establish_facts(doc)
    declared = 1 + len(topics(doc, facts)) + len(assignments(doc, facts))
    settings = settings_for(fake)

    async def go():
        async with connect(settings) as llm:
            await generate(doc, facts, load_prompt("briefing@v5"), llm, model=model_ref(settings),
                           context_tokens=settings.context_budget)
            return llm.stats

    stats = asyncio.run(go())
    assert stats.planned == declared == stats.done == len(fake.chat_requests)
    assert stats.completion_tokens > 0 and stats.tokens_per_second() > 0
    again = asyncio.run(go())  # every reply from the cache: still counted as done, no tokens written
    assert again.planned == again.done == declared and again.completion_tokens == 0


def test_topic_layout_title_shown_with_part_one_is_not_a_bad_citation(fake, settings_for):
    """Part 1 is shown with the title line, so its point may cite it (it is not kept as evidence);
    a later part citing the title cites outside what it was given."""
    from tests.fakeserver import schema_responder

    doc = read_report(seed("000"))
    title = next(s.id for s in doc.sentences if s.text == doc.title)

    def responder(body: dict) -> str:
        user = body["messages"][1]["content"]
        if 'Job "summary"' in user:
            first = int(re.search(r"sentences (\d+) to", user).group(1))
            return json.dumps({"text": "The meeting discussed this part.", "sentences": [title, first]})
        return schema_responder(body)

    fake.responder = responder
    out = brief(settings_for(fake, concurrency=1), doc, "briefing@v5")
    flagged = {c.target for c in out.checks if c.kind == "bad_citation"}
    assert "summary[0].evidence" not in flagged  # part 1 was shown the title
    assert {f"summary[{n}].evidence" for n in range(1, len(out.summary))} <= flagged  # the others were not
    assert all(doc.sentence(title).text not in item.evidence for item in out.summary)


def test_topic_layout_refuses_steps_it_cannot_order(tmp_path):
    text = load_prompt("briefing@v5").path.read_text(encoding="utf-8").replace("output: point", "output: summary")
    (tmp_path / "v9.md").write_text(text.replace("version: 5", "version: 9"), encoding="utf-8")
    with pytest.raises(UserError, match="layout topic"):
        load_prompt(str(tmp_path / "v9.md"))


def test_grounding_puts_renderings_in_the_prompt_and_can_be_switched_off(fake, settings_for):
    doc = read_report(seed("000"))
    brief(settings_for(fake), doc, "briefing@v2")
    sent = json.dumps([r["body"]["messages"][1:] for r in fake.chat_requests], ensure_ascii=False)
    assert "泸溪县[Luxi County]" in sent or "泸溪[Luxi]" in sent
    assert "向恒林[Xiang Henglin]" in sent
    fake.requests.clear()
    brief(settings_for(fake), doc, "briefing@v2", grounding=False)
    sent = json.dumps([r["body"]["messages"][1:] for r in fake.chat_requests], ensure_ascii=False)
    assert "[Luxi" not in sent and "Xiang Henglin" not in sent


def long_report(repeat: int = 6) -> str:
    """A long readout: the seeds' bodies one after another, each a topic."""
    parts = ["县政府召开第9次常务会议", "2021年3月1日，县长向恒林主持召开县政府第9次常务会议。"]
    for n in range(repeat):
        for path in SEED_FILES[:3]:
            doc = read_report(path)
            parts += [f"会议强调，第{n}部分。"] + [s.simplified for s in doc.sentences[2:]]
    return "\n".join(parts)


def test_long_report_is_chunked_and_merged(fake, settings_for, tmp_path):
    doc = parse_text(long_report(), path=tmp_path / "long.txt", sha256="0" * 64, encoding="utf-8")
    settings = settings_for(fake)
    out = brief(settings, doc, "briefing@v3", context_tokens=6000)
    steps = [r["body"]["messages"][1]["content"] for r in fake.chat_requests]
    briefing_calls = [s for s in steps if s.startswith("<report>")]
    reduce_calls = [s for s in steps if s.startswith("Summary points")]
    assert len(briefing_calls) > 1  # mapped over chunks
    assert len(reduce_calls) == 1  # points merged by the reduce step
    assert 1 <= len(out.summary) <= MAX_POINTS
    facts = establish_facts(doc)
    assert len(out.actions) == len(assignments(doc, facts, limit=10**6)[:len(out.actions)])
    assert all(a.evidence_zh in doc.text for a in out.actions)
    # every assignment sentence was sent exactly once across the chunks
    sent_ids = [int(line.split("]")[0][1:]) for s in briefing_calls for line in s.splitlines()
                if line.startswith("[")]
    topic_ids = [i for t in topics(doc, facts, limit=10**6) for i in t.ids]
    assert set(sent_ids) <= set(topic_ids) | {a.sentence for a in assignments(doc, facts, limit=10**6)}


def test_truncated_chunk_is_halved(fake, settings_for):
    doc = read_report(seed("003"))
    fake.script.extend([{"content": '{"headline": "cut', "finish_reason": "length"}] * 2)
    out = brief(settings_for(fake), doc, "briefing@v3")
    bodies = [r["body"]["messages"][1]["content"] for r in fake.chat_requests]
    assert len(bodies) == 4  # cut, cut with double budget, then two halves
    assert len(bodies[2]) < len(bodies[0]) and len(bodies[3]) < len(bodies[0])
    n = len(topics(doc, establish_facts(doc)))
    assert n <= len(out.summary) <= n + 1  # a topic cut by the halving gets a point per part


def test_invented_deadline_date_is_dropped_but_stated_ones_are_the_tools(fake, settings_for):
    doc = read_report(seed("003"))

    def responder(body):
        schema_props = json.dumps(body.get("response_format", {}))
        if '"deadline"' in schema_props and '"tasks"' not in schema_props:
            return json.dumps({"owner": "Someone", "task": "Do the work.", "deadline": "by January 30"})
        from .fakeserver import schema_responder
        return schema_responder(body)

    fake.responder = responder
    out = brief(settings_for(fake), doc, "briefing@v2")
    by_sentence = {a.evidence_zh: a for a in out.actions}
    stated = next(a for e, a in by_sentence.items() if "3月10日前" in e)
    assert stated.deadline.date == "2021-03-10" and stated.deadline.text_en == "by March 10"
    monthly = next(a for e, a in by_sentence.items() if "每月" in e)
    assert monthly.deadline.recurrence == "monthly"
    unstated = [a for e, a in by_sentence.items() if "前" not in e and "每月" not in e and "年内" not in e]
    assert unstated and all(a.deadline is None for a in unstated)
    assert any(c.kind == "deadline_dropped" for c in out.checks)


def test_the_python_api_briefs_a_report_in_one_call(fake, settings_for):
    from summarizer.pipeline import brief_report

    brief = brief_report(seed("004"), settings=settings_for(fake), prompt="briefing@v3")
    assert isinstance(brief, Brief) and brief.summary and brief.source.sha256
    assert brief.prompt.name == "briefing" and brief.prompt.version == 3
    assert brief.checks is not None and brief.options["grounding"] is True
    assert len(fake.chat_requests) == 1  # briefing@v3: one whole-report call


def test_evidence_is_shown_as_the_input_file_has_it(fake, settings_for):
    from summarizer.render import to_markdown

    doc = read_report(seed("001"))  # Traditional with pinyin injected after characters: cleaning deletes it
    out = brief(settings_for(fake), doc, "briefing@v2")
    cited = {e for item in out.summary for e in item.evidence} | {a.evidence_zh for a in out.actions}
    assert out.evidence_in_file and set(out.evidence_in_file) <= cited
    for cleaned, in_file in out.evidence_in_file.items():
        assert cleaned in doc.text and cleaned not in doc.original  # the cleaned quote is not in the file...
        assert in_file in doc.original  # ...the quote as the file has it is
    markdown = to_markdown(out)
    assert all(f"]: {in_file}" in markdown for in_file in out.evidence_in_file.values())
    assert Brief.model_validate_json(out.model_dump_json()).evidence_in_file == out.evidence_in_file

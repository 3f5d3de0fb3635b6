"""Topics and assignment sentences, read without a model (expected values written from the sources)."""

from __future__ import annotations

import asyncio
import json


from summarizer.ingest import parse_text, read_report
from summarizer.ingest.facts import establish_facts
from summarizer.ingest.structure import assignments, topics

from .conftest import seed


def load(prefix):
    doc = read_report(seed(prefix))
    return doc, establish_facts(doc)


def actors(prefix):
    doc, facts = load(prefix)
    return {(a.sentence, a.actor_zh): a for a in assignments(doc, facts)}, doc


def test_seed_000_topics_follow_the_readout_paragraphs():
    doc, facts = load("000")
    found = topics(doc, facts)
    openers = [doc.sentence(t.first).text[:4] for t in found[1:]]
    assert openers == ["会议指出", "会议强调", "会议指出", "会议强调", "会议指出"]
    assert doc.sentence(found[0].first).text.startswith("泸溪融媒")  # the opening paragraph, title left out
    assert all("出席会议" not in doc.sentence(i).text for t in found for i in t.ids)  # attendance is not a topic


def test_seed_003_named_assignments():
    found, doc = actors("003")
    by_actor = {actor: a for (_, actor), a in found.items()}
    for actor in ("李顺朝副区长", "颜静副区长", "赵国明副区长"):
        assert actor in by_actor and by_actor[actor].person == actor[:-3]
    for actor in ("移民新区管委会", "区政府督查室", "区发展改革局", "区农业农村局"):
        assert actor in by_actor, actor
    assert by_actor["区发展改革局"].deadline_hint  # 于3月10日前
    assert "3月10日前" in doc.sentence(by_actor["区发展改革局"].sentence).text


def test_seed_002_speaker_is_not_the_actor_and_one_sentence_can_task_two():
    found, _ = actors("002")
    names = {actor for _, actor in found}
    assert "战明秀" not in names  # 战明秀要求，各乡镇、各部门要… : she demands, they act
    assert "各乡镇、各部门" in names and "宣传部" in names
    assert {"各乡镇党委书记", "扶贫办"} <= names  # 各乡镇党委书记要…，扶贫办要做好指导
    assert not any("习近平" in (a or "") for a in names)  # 重要指示: 要 inside 重要 is not a directive


def test_seed_000_deadline_without_actor_and_compound_actor():
    found, doc = actors("000")
    assert any(actor is None and "年前" in doc.sentence(s).text for s, actor in found)
    assert any(actor == "审计、财政等部门" for _, actor in found)


def test_no_assignments_in_plain_narrative(tmp_path):
    doc = parse_text("会议听取了工作汇报。\n与会人员进行了讨论。", path=tmp_path / "x.txt", sha256="0", encoding="utf-8")
    assert assignments(doc, establish_facts(doc)) == []


def test_a_bad_item_is_left_out_with_a_check_not_a_failed_report(fake, settings_for):
    from summarizer.generate import generate
    from summarizer.llm import connect, model_ref
    from summarizer.prompts import load_prompt

    doc, facts = load("003")
    n = len(assignments(doc, facts))
    from .fakeserver import schema_responder

    def responder(body):
        user = body["messages"][1]["content"]
        if "区发展改革局" in user and "Owner named" in user:
            return json.dumps({"owner": "x", "task": "Translate the sentence into English.", "deadline": ""})
        return schema_responder(body)

    fake.responder = responder

    async def go():
        async with connect(settings_for(fake)) as llm:
            return await generate(doc, facts, load_prompt("briefing@v2"), llm, model=model_ref(settings_for(fake)),
                                  context_tokens=16000)

    out = asyncio.run(go())
    assert len(out.actions) == n - 1
    missing = [c for c in out.checks if c.kind == "item_missing"]
    assert len(missing) == 1 and "repeats the instructions" in missing[0].message
    assert out.usage.calls >= n + 1  # the failed item's calls (first try + re-ask) are counted

"""Topics and assignment sentences, read without a model (expected values written from the sources)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from summarizer.facts import establish_facts
from summarizer.facts.structure import assignments, lead_ins, topics
from summarizer.ingest import parse_text, read_report

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


def test_enumerated_items_inherit_the_actors_of_their_lead_in():
    """Seed 003: "会议要求，各位副区长、全区各级各部门：一是要… 二是要… 三是要… 四是李顺朝副区长牵…"."""
    found, doc = actors("003")
    lead = "各位副区长、全区各级各部门"
    inherited = sorted(s for (s, actor) in found if actor == lead)
    assert [doc.sentence(s).text[:2] for s in inherited] == ["会议", "二是", "三是"]
    # an item that names its own actor keeps it, and only it
    li = next(s for (s, actor) in found if actor == "李顺朝副区长")
    assert doc.sentence(li).text.startswith("四是") and (li, lead) not in found


def test_a_lead_in_owns_its_items_until_the_next_topic():
    raw = ("会议要求，各乡镇、各有关部门：一是要抓好春耕生产。二是要做好防汛准备。三是县水利局要在5月底前完成水库检查。"
           "会议指出，今年经济形势复杂。一是要稳住投资。")
    doc = parse_text(raw, path=Path("lead.txt"), sha256="0" * 64, encoding="utf-8")
    found = {(doc.sentence(a.sentence).text[:4], a.actor_zh) for a in assignments(doc, establish_facts(doc))}
    assert ("会议要求", "各乡镇、各有关部门") in found
    assert ("二是要做", "各乡镇、各有关部门") in found
    assert ("三是县水", "县水利局") in found and ("三是县水", "各乡镇、各有关部门") not in found
    assert not any(text == "一是要稳" for text, _ in found)  # a new topic ends the lead-in


def test_an_inherited_actor_is_quoted_in_the_lead_ins_own_script():
    raw = "會議要求，各鄉鎮、各有關部門：一是要抓好春耕生產。二是要做好防汛準備。"
    doc = parse_text(raw, path=Path("lead.txt"), sha256="0" * 64, encoding="utf-8")
    found = assignments(doc, establish_facts(doc))
    assert [a.actor_zh for a in found] == ["各鄉鎮、各有關部門"] * 2
    assert lead_ins(doc) == {found[0].sentence: found[0].sentence, found[1].sentence: found[0].sentence}


# ---- phrasings none of the seeds use (found on the dev split; sentences written here, not copied)
def crafted(body: str):
    doc = parse_text("某县召开常务会议\n" + body, path=Path("crafted.txt"), sha256="0" * 64, encoding="utf-8")
    facts = establish_facts(doc)
    return doc, facts, [(doc.sentence(a.sentence).text, a.actor_zh) for a in assignments(doc, facts)]


@pytest.mark.parametrize("text, owners", [
    pytest.param("会议审议通过了实施方案，要求县有关部门根据会议意见修改完善后印发。由县住建局依法依规按程序办理。"
                 "会议决定由县领导近期召开专题会议研究协调。", ["县有关部门", "县住建局", "县领导"],
                 id="owner named after a directive word, whatever verb follows"),
    pytest.param("各镇（街道）要抓紧落实到位。县交通运输局、县城管执法局、县园林管理中心、城关镇等单位要每天调度进展。"
                 "四是各镇要认真做好换届准备工作。",
                 ["各镇（街道）", "县交通运输局、县城管执法局、县园林管理中心、城关镇等单位", "各镇"],
                 id="owners with a parenthesis, a long list or a bare town"),
    pytest.param("关于贯彻落实上级会议精神，王明要求各部门要准确把握形势。", ["各部门"],
                 id="the speaker is not part of the owner"),
    pytest.param("甲镇、乙镇负责同志作了表态发言。会议由县委副书记、县长李明主持。会议邀请了群众代表列席。"
                 "与会领导和各部门负责人进行了讨论。会议按照省委要求、市委安排部署了工作。", [],
                 id="what looks like a directive but assigns nothing"),
    pytest.param("常卫强调，全区要不折不扣落实好防汛预案有关要求。北部浅山区要重点做好地质灾害防范工作。"
                 "各部门通力配合，保证项目顺利推进。", ["全区", "北部浅山区", "各部门"],
                 id="a whole area or a part of one, and a directive adverb"),
    # on dev, 54 such sentences (要守牢纪律红线…) and none of them a reference action
    pytest.param("会议强调，要守牢纪律红线，始终坚持廉洁自律。要加强对上衔接。", [],
                 id="a sentence of must with no owner is not an assignment"),
])
def test_owners_quoted_from_crafted_sentences(text, owners):
    _, _, found = crafted(text)
    assert [a for _, a in found] == owners


def test_a_lead_in_after_a_connective_owns_the_items_that_follow():
    doc, facts, found = crafted("最后，县委书记张明要求相关部门、乡镇：一是统一思想，提高认识。二是明确任务，抓好落实。")
    assert {a for _, a in found} == {"相关部门、乡镇"} and len(found) == 2

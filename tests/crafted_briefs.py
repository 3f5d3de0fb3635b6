"""Crafted briefings of a real seed report (003, Dongchuan District's 79th executive meeting):
one correct briefing, and variants that each carry one fault. Shared by the checks and
spot-check tests; no tests here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from typing import Callable

from summarizer.facts import establish_facts
from summarizer.facts.model import Facts
from summarizer.ingest import Document, read_report
from summarizer.schema import Action, Brief, Deadline, Meeting, ModelRef, Person, PromptRef, Source, SummaryItem, Usage

from .conftest import seed

SEED_003 = seed("003")


@cache
def seed_003() -> tuple[Document, Facts]:
    doc = read_report(SEED_003)
    return doc, establish_facts(doc)


def correct_brief(prompt_version: int = 2, model: str = "crafted") -> Brief:
    """A briefing of seed 003 that a careful translator would sign: every claim says what its
    evidence says, numbers and dates as stated, owners and deadlines as assigned."""
    doc, _ = seed_003()

    def s(i: int) -> str:
        return doc.sentence(i).text

    summary = [
        SummaryItem(text="On February 25, 2021, District Head Chen Jiang chaired the 79th executive meeting of the "
                         "fifth-term Dongchuan District People's Government.", evidence=[s(2)]),
        SummaryItem(text="The meeting studied Xi Jinping's speech during his inspection of Guizhou and called for "
                         "consolidating poverty-alleviation gains and preventing households from falling back into "
                         "poverty.", evidence=[s(10), s(11)]),
        SummaryItem(text="Deputy District Head Zhao Guoming will lead in building inspection systems, and the district "
                         "government inspection office will draw up the 2021 inspection priorities, plan and list.",
                    evidence=[s(22), s(25)]),
        SummaryItem(text="The District Development and Reform Bureau is to break down the provincial 22 measures by "
                         "March 10, naming a responsible leader, unit and person for each measure.",
                    evidence=[s(30), s(33)]),
        SummaryItem(text="The district will speed up 25 key tasks and 28 key projects to build a beautiful county seat "
                         "and complete all environmental rectification tasks in 2021.", evidence=[s(41), s(43)]),
        SummaryItem(text="The 14 sub-headquarters of the rural revitalization headquarters will be consolidated into "
                         "10, which must coordinate with the 5 working groups of the district Party committee.",
                    evidence=[s(45), s(47)]),
    ]
    actions = [
        Action(owner_en="Li Shunchao, Deputy District Head", owner_zh="李顺朝副区长",
               task_en="Lead the district poverty alleviation office and the townships in monitoring the "
                       "poverty-prevention early-warning mechanism and report progress to the district government.",
               deadline=Deadline(text_en="monthly", recurrence="monthly"), evidence_zh=s(16)),
        Action(owner_en="Yan Jing, Deputy District Head", owner_zh="颜静副区长",
               task_en="Lead the district human resources and social security bureau and the townships in surveying "
                       "labor transfer employment and report progress to the district government.",
               deadline=Deadline(text_en="monthly", recurrence="monthly"), evidence_zh=s(17)),
        Action(owner_en="Zhao Guoming, Deputy District Head", owner_zh="赵国明副区长",
               task_en="Take the lead in establishing inspection systems for assignment, review, follow-up visits, "
                       "briefings and use of results.", evidence_zh=s(22)),
        Action(owner_en="District Development and Reform Bureau", owner_zh="区发展改革局",
               task_en="Break down the Opinions and name a responsible leader, unit and person for each measure.",
               deadline=Deadline(text_en="by March 10", date="2021-03-10"), evidence_zh=s(33)),
        Action(owner_en="District Agriculture and Rural Affairs Bureau", owner_zh="区农业农村局",
               task_en="Revise the notice on setting up the rural revitalization headquarters and submit it to the "
                       "district Party standing committee for review.", evidence_zh=s(48)),
    ]
    return Brief(
        tool_version="test",
        source=Source(path=str(SEED_003), sha256=hashlib.sha256(SEED_003.read_bytes()).hexdigest(),
                      chars=len(doc.text), language="zh", script="simplified", encoding="utf-8", title=doc.title),
        prompt=PromptRef(name="briefing", version=prompt_version, sha256=f"{prompt_version:064d}"),
        model=ModelRef(name=model, endpoint="http://127.0.0.1:1/v1"),
        meeting=Meeting(title_en="Dongchuan District holds its 79th executive meeting",
                        body_en="Dongchuan District People's Government", kind="executive_meeting", number=79,
                        date="2021-02-25", chair=Person(name_zh="陈江", name_en="Chen Jiang", title_en="District Head")),
        summary=summary, actions=actions, usage=Usage(),
    )


@dataclass(frozen=True)
class Fault:
    name: str
    mutate: Callable[[Brief, Document], None]
    kind: str  # the check that must catch it
    target: str  # on this field (prefix)


def _replace(field_of: Callable[[Brief], object], attribute: str, old: str, new: str):
    def mutate(brief: Brief, doc: Document) -> None:
        item = field_of(brief)
        text = getattr(item, attribute)
        assert old in text, (old, text)
        setattr(item, attribute, text.replace(old, new))
    return mutate


def _set(field_of: Callable[[Brief], object], attribute: str, value_of: Callable[[Document], object]):
    def mutate(brief: Brief, doc: Document) -> None:
        setattr(field_of(brief), attribute, value_of(doc))
    return mutate


FAULTS = [
    Fault("invented name", _replace(lambda b: b.summary[2], "text", "Zhao Guoming", "Zhang Wei"),
          "unsupported_name", "summary[2].text"),
    Fault("name given-name first", _replace(lambda b: b.summary[2], "text", "Zhao Guoming", "Guoming Zhao"),
          "unsupported_name", "summary[2].text"),
    Fault("invented place (the prompt's example)", _replace(lambda b: b.summary[0], "text",
                                                             "Dongchuan District People's", "Luxi County People's"),
          "unsupported_place", "summary[0].text"),
    Fault("wrong date", _replace(lambda b: b.summary[3], "text", "March 10", "March 15"),
          "unsupported_date", "summary[3].text"),
    Fault("wrong number", _replace(lambda b: b.summary[5], "text", "The 14 ", "The 16 "),
          "unsupported_number", "summary[5].text"),
    Fault("wrong ordinal", _replace(lambda b: b.summary[0], "text", "79th", "97th"),
          "unsupported_number", "summary[0].text"),
    Fault("chinese leak", _replace(lambda b: b.actions[3], "task_en", "the Opinions", "the 意见"),
          "han_in_english", "actions[3].task_en"),
    Fault("missing deadline", _set(lambda b: b.actions[3], "deadline", lambda d: None),
          "deadline_missing", "actions[3].deadline"),
    Fault("missing recurrence", _set(lambda b: b.actions[0], "deadline", lambda d: None),
          "deadline_missing", "actions[0].deadline"),
    Fault("deadline the source does not state", _set(lambda b: b.actions[2], "deadline",
                                                     lambda d: Deadline(text_en="by April 30")),
          "deadline_unsupported", "actions[2].deadline"),
    Fault("wrong deadline date", _set(lambda b: b.actions[3], "deadline",
                                      lambda d: Deadline(text_en="by March 20", date="2021-03-20")),
          "deadline_mismatch", "actions[3].deadline"),
    Fault("claim with no support", _set(lambda b: b.summary[4], "text", lambda d: (
        "The district will build five new hospitals and hire doctors for every township next year.")),
          "low_support", "summary[4].text"),
    Fault("owner not in the evidence", _set(lambda b: b.actions[2], "owner_en",
                                            lambda d: "Li Shunchao, Deputy District Head"),
          "owner_not_in_evidence", "actions[2].owner_en"),
    Fault("owner leaves out the person named", _set(lambda b: b.actions[0], "owner_en", lambda d: "All departments"),
          "owner_not_in_evidence", "actions[0].owner_en"),
    Fault("task that is not its assignment", _set(lambda b: b.actions[4], "task_en", lambda d: (
        "Organize the annual sports games for retired cadres.")),
          "low_support", "actions[4].task_en"),
    Fault("wrong citation", _set(lambda b: b.summary[5], "evidence", lambda d: [d.sentence(12).text]),
          "evidence_replaced", "summary[5].evidence"),
    Fault("no citation", _set(lambda b: b.summary[5], "evidence", lambda d: []),
          "evidence_added", "summary[5].evidence"),
    Fault("evidence not in the source", _set(lambda b: b.summary[0], "evidence", lambda d: ["这句话不在报告里。"]),
          "evidence_not_in_source", "summary[0].evidence"),
]


def faulty_brief(fault: Fault, **kw) -> Brief:
    doc, _ = seed_003()
    brief = correct_brief(**kw)
    fault.mutate(brief, doc)
    return brief

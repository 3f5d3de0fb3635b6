"""The structure of a readout, read without a model: topics and assignment sentences.

- **Topics**: a readout is a sequence of topics, each opened by a heading (一、…), a
  "会议指出/强调/要求/听取…" sentence, a "关于…工作，" sentence, or a named leader's
  "张三强调/指出/要求…". Tiny neighbours are merged so a report has at most
  ``MAX_TOPICS``; attendance lines and "会议还研究了其他事项" are not topics.
- **Assignments**: sentences that give someone a task: an actor (a named person, an
  office, a department, a group such as 各乡镇) followed by a directive (要, 牵头, 负责,
  于…前…), or a directive with a deadline. The actor is quoted from the source, so the
  owner of an action is never the model's guess.

The model then works in bounded steps: one summary point per topic, one action per
assignment sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..ingest import Document, Sentence
from ..zh.deadlines import HINT as DEADLINE_HINT
from .model import Facts

MAX_TOPICS = 8
MAX_ASSIGNMENTS = 24

_OPENER = re.compile(
    r"^\s*(会议(指出|强调|要求|认为|决定|听取|审议|研究|传达|同意|原则同意|通报|明确|部署)"
    r"|关于[^，,。]{1,20}[，,]"
    r"|[^，,。]{0,12}(强调|指出|要求|认为|表示)[，,:：])"
)
_ENUM = re.compile(r"^\s*([一二三四五六七八九十]{1,3}[是要]|[（(]?[一二三四五六七八九十]{1,3}[)）、]|第[一二三四五六七八九十]{1,3}[，,、])")
_NOT_TOPIC = re.compile(r"(出席|列席|参加)(了)?(会议|会上)|会议还(研究|审议|讨论)了其他|^\s*会上[，,]")

# an actor: a person (from Facts), or a noun phrase ending like an office, department or group
_ACTOR_SUFFIX = (
    r"(部门|单位|乡镇|镇办|街道|村|社区|领导|干部|群众|党员|局|办|委|室|部|中心|政府|管委会|指挥部|专班|公司|企业|医院|"
    r"学校|机构|队|组|站|所|书记|县长|区长|市长|镇长|乡长|主任|负责人|各级|院|会|厅|处|科|行|团|协会|委员会|"
    r"成员|镇街|镇|乡|街|全区|全县|全市|山区|城区|园区|片区|开发区|新区|景区)"
    r"(?:[（(][^）)，,。]{1,10}[）)])?"  # 各镇(街道), 各镇街(开发区)
)
# 要 as "must", not inside 重要/主要/要求 (a speaker's demand: the speaker is not the actor)
_YAO = r"(?<![重主只必纲摘提需])要(?![求点素闻害])"
_DIRECTIVE = rf"({_YAO}|须|需要|必须|应当|务必|负责|牵头|牵(?!引)|抓紧|尽快|于[^，。；]{{1,14}}前|每月|每周|定期|限期)"
_ACTOR_CLAUSE = re.compile(
    rf"(?:^|[，,；;:：。]|会议要求|会议强调|会议明确|[一二三四五六七八九十]是|请|由)\s*"
    rf"(?P<actor>[^，,；;:：。“”\"]{{0,24}}?{_ACTOR_SUFFIX}(?:等)?(?:[、和与及][^，,；;:：。“”\"]{{1,12}}?{_ACTOR_SUFFIX})*)"
    rf"\s*(?:要|须|需要|必须|应当|务必|负责(?!同志|人)|牵头|牵|抓紧|尽快|于|每月|定期|继续|持续|加强|进一步|按照|在|根据|将|切实|认真|全力|通力|密切|立即|迅速|抓好|做好)"
)
# "会议要求，各位副区长、全区各级各部门：一是要…": the actors named before the colon own every
# enumerated item (一是… 二是… 三是…) that follows in the same topic, unless an item names its own
_LEAD_IN = re.compile(
    rf"^\s*(?:(?:最后|同时|此外|另外|会上)[，,]\s*)?(?:会议|[^，,。：:]{{1,12}})(?:要求|强调|明确|指出)[，,]?\s*"
    rf"(?P<actor>[^，,；;:：。“”\"]{{1,20}}?{_ACTOR_SUFFIX}(?:[、和与及][^，,；;:：。“”\"]{{1,14}}?{_ACTOR_SUFFIX})*)\s*[：:]"
)
# the owner named right after 由 / 要求 / 责成 / 请, whatever verb follows: 由县自然资源局依法依规办理,
# 要求相关部门精心筹备, 决定由市领导近期召开专题会议 (the directive is the word before the actor)
_OWNER_AFTER = re.compile(
    rf"(?:由(?![^，,；;。]*主持)|要求|责成|(?<![邀提申])请)\s*(?P<actor>[^，,；;:：。“”\"]{{1,24}}?{_ACTOR_SUFFIX}(?:等)?"
    rf"(?:[、和与及][^，,；;:：。“”\"]{{1,14}}?{_ACTOR_SUFFIX})*(?:等(?:单位|部门))?)(?=[^，,；;:：。]{{2}})"
)
_GENERIC_ACTOR = re.compile(r"^(全?[县区市镇乡]?(各级各部门|各级|各部门|各单位|上下)|各(乡镇|部门|单位|级))")
_BAD_ACTOR = re.compile(r"[要是为的了着把被就都也还]$|^(我们|会议|工作|要|确保|同时|下设|进一步|全面|持续|加快|了|[、和与及])"
                        r"|会议|习近平|总书记|\d")
# "贾忠慧要求各部门": the speaker and the verb before the owner are not part of it
_SPEAKER = re.compile(r"^[^，,。]{0,14}?(?:要求|强调|指出|责成)")
_LEAD = re.compile(r"^([一二三四五六七八九十]{1,3}是|同时|并|还|此外|其中|请|由)+")
MAX_ACTOR_CHARS = 16
MAX_ACTOR_LIST_CHARS = 40  # 区交通运输局、区城管执法局、区市政园林管理中心、莲洲镇等单位


@dataclass
class Topic:
    ids: list[int]  # sentence ids, contiguous

    @property
    def first(self) -> int:
        return self.ids[0]

    @property
    def last(self) -> int:
        return self.ids[-1]


@dataclass
class Assignment:
    sentence: int  # sentence id
    actor_zh: str | None  # as written in the source (original script)
    person: str | None = None  # name_zh when the actor is a known person
    specific: bool = False  # a named person/office/deadline rather than "all departments"
    deadline_hint: bool = False
    extras: list[str] = field(default_factory=list)


def _starts_topic(sentence: Sentence, facts: Facts | None) -> bool:
    if sentence.heading or _OPENER.match(sentence.simplified):
        return True
    if facts:  # "战明秀强调，…" / "张国瑜要求，…"
        for person in facts.people:
            if sentence.simplified.startswith(person.name_zh) and re.match(
                    r"(强调|指出|要求|认为|表示|说)", sentence.simplified[len(person.name_zh):]):
                return True
    return False


def topics(doc: Document, facts: Facts | None = None, limit: int = MAX_TOPICS) -> list[Topic]:
    """Topics in report order; the title line is left out."""
    body = [s for s in doc.sentences if s.text != doc.title]
    groups: list[list[Sentence]] = []
    for s in body:
        new_paragraph = bool(groups) and s.paragraph != groups[-1][-1].paragraph
        if not groups or _starts_topic(s, facts) or (new_paragraph and not _ENUM.match(s.simplified)):
            groups.append([])
        groups[-1].append(s)
    groups = [g for g in groups if not all(_NOT_TOPIC.search(s.simplified) for s in g)]
    # a heading alone (一、…) belongs with what follows
    merged: list[list[Sentence]] = []
    for g in groups:
        if merged and len(merged[-1]) == 1 and merged[-1][0].heading:
            merged[-1].extend(g)
        else:
            merged.append(g)
    lengths = np.array([sum(len(s.text) for s in g) for g in merged], dtype=np.int64)
    while len(merged) > limit:  # merge the smallest adjacent pair (numpy: long reports have thousands)
        i = int(np.argmin(lengths[:-1] + lengths[1:]))
        merged[i:i + 2] = [merged[i] + merged[i + 1]]
        lengths[i] += lengths[i + 1]
        lengths = np.delete(lengths, i + 1)
    return [Topic([s.id for s in g]) for g in merged if g]


def _person_actor(text: str, facts: Facts | None) -> str | None:
    if not facts:
        return None
    for person in facts.people:
        at = text.find(person.name_zh)
        if at < 0:
            continue
        after = text[at + len(person.name_zh): at + len(person.name_zh) + 8]
        before = text[max(0, at - 3): at]
        if re.match(r"(同志)?(强调|指出|要求|认为|表示|说|讲话|主持|出席|总书记|书记[^，。；]{0,2}(强调|指出|要求))", after):
            continue  # the speaker or a mentioned leader, not the one given the task
        if re.match(rf"[^，。；]{{0,6}}?{_DIRECTIVE}", after) or before.endswith("请") or before.endswith("由"):
            return person.name_zh
    return None


def lead_ins(doc: Document, facts: Facts | None = None) -> dict[int, int]:
    """Sentence id -> id of the lead-in ("会议要求，X、Y：一是…") whose actors own it: the lead-in
    itself and each enumerated item (二是… 三是…) after it, until the next topic starts. An owner
    taken from a lead-in is quoted from that sentence, not from the item's own."""
    out: dict[int, int] = {}
    current: int | None = None
    for s in doc.sentences:
        text = s.simplified
        m = _LEAD_IN.match(text)
        if m and not _BAD_ACTOR.search(m.group("actor")):
            current = out[s.id] = s.id
        elif _starts_topic(s, facts):
            current = None
        elif current is not None and _ENUM.match(text):
            out[s.id] = current
    return out


def assignments(doc: Document, facts: Facts | None = None, limit: int = MAX_ASSIGNMENTS) -> list[Assignment]:
    """Sentences that assign a task, with the actor quoted from the source."""
    found: list[Assignment] = []
    led = lead_ins(doc, facts)
    for s in doc.sentences:
        text = s.simplified
        if s.text == doc.title or _NOT_TOPIC.search(text):
            continue
        lead_in = led.get(s.id)
        actors: list[tuple[str, str | None]] = []  # (actor as in the Simplified text, person name)
        person = _person_actor(text, facts)
        if person:
            m = re.search(rf"[^，,；;。]*{re.escape(person)}[^，,；;。]{{0,8}}?(?={_DIRECTIVE})", text)
            actors.append((_LEAD.sub("", (m.group(0) if m else person).strip()), person))
        if lead_in == s.id:  # the lead-in itself: its actors, not a part of them (要求相关部门、乡镇：)
            actors.append((_LEAD_IN.match(text).group("actor").strip(), None))
        clauses = [*_ACTOR_CLAUSE.finditer(text), *_OWNER_AFTER.finditer(text)]
        for m in sorted(clauses, key=lambda m: m.start("actor")):  # one sentence may task several (…要…，扶贫办要…)
            candidate = _LEAD.sub("", _SPEAKER.sub("", m.group("actor").strip()))
            longest = MAX_ACTOR_LIST_CHARS if "、" in candidate else MAX_ACTOR_CHARS
            if _BAD_ACTOR.search(candidate) or not 2 <= len(candidate) <= longest:
                continue
            if not any(candidate in a or a in candidate for a, _ in actors):
                actors.append((candidate, None))
        quoted = s  # the sentence the actor is quoted from
        if not actors and lead_in is not None:  # an enumerated item naming no actor of its own
            quoted = doc.sentence(lead_in)
            actors.append((_LEAD_IN.match(quoted.simplified).group("actor").strip(), None))
        deadline = bool(DEADLINE_HINT.search(text))
        if not actors:
            if deadline and re.search(_DIRECTIVE, text):
                found.append(Assignment(sentence=s.id, actor_zh=None, specific=True, deadline_hint=True))
            continue
        for actor, who in actors:
            specific = bool(who) or deadline or not _GENERIC_ACTOR.match(actor)
            if len(quoted.text) == len(quoted.simplified):  # quote the original script (t2s keeps positions)
                at = quoted.simplified.find(actor)
                actor = quoted.text[at:at + len(actor)] if at >= 0 else actor
            found.append(Assignment(sentence=s.id, actor_zh=actor, person=who, specific=specific,
                                    deadline_hint=deadline))
    if len(found) > limit:  # keep every specific assignment first, then generic ones in order
        keep = {id(a) for a in found if a.specific}
        for a in found:
            if len(keep) >= limit:
                break
            keep.add(id(a))
        found = [a for a in found if id(a) in keep][:limit]
    return found

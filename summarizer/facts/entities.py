"""People (with titles and roles) and places named in a report.

Chinese has no spaces, so a name is only taken where its context marks it as one:

- after a title: 区长陈江主持, 县委副书记、县长向恒林在…, and the list that may follow it
  (县领导杨道刚、王子宁、袁纪彬、王相卿);
- before a title that starts with 副, 总 or the like: 李顺朝副区长牵…, 由黄杰副书记担任;
- alone at the start of a clause before a verb only people do: 向恒林主持召开…;
- anywhere, once a name has been established in one of these ways (战明秀强调).

A name is a surname from ``data/surnames.tsv`` plus one or two characters; where it ends is
decided by what follows it (``data/cues.toml``). Places are names from ``data/places.tsv``
and two-character stems followed by a level (泸溪县, 东川区), screened against generic words
such as 全县 or 社区.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from ..ingest.script import to_simplified
from .glossary import levels
from .model import PersonFact, Rendering
from .romanize import known_places, pinyin_word, romanize_name, romanize_place, romanize_stem, split_level, split_name

if TYPE_CHECKING:
    from ..ingest import Document
    from .glossary import Glossary

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CLAUSE_END = "，,。；;：:！？!?（()）"
ROLE_RANK = {"chair": 4, "speaker": 3, "assignee": 2, "attendee": 1, "mentioned": 0}


# ------------------------------------------------------------------ cues
@dataclass(frozen=True)
class Cues:
    followers_strong: tuple[str, ...]
    followers_weak: tuple[str, ...]
    leaders: tuple[str, ...]
    bare_verbs: tuple[str, ...]
    not_names: frozenset[str]
    given_stop: frozenset[str]
    generic_places: tuple[str, ...]
    blocked_after: tuple[str, ...]
    stem_stop: frozenset[str]
    media_suffixes: tuple[str, ...]
    organ_after: tuple[str, ...]
    home_organs: tuple[str, ...]
    not_stems: frozenset[str]
    speaker_verbs: tuple[str, ...]
    speaker_after_and: tuple[str, ...]
    assignee_verbs: tuple[str, ...]
    assignee_leaders: tuple[str, ...]
    attendee_verbs: tuple[str, ...]
    reported: tuple[str, ...]


def _longest_first(words) -> tuple[str, ...]:
    return tuple(sorted(set(words), key=lambda w: (-len(w), w)))


def _chars(text: str) -> frozenset[str]:
    return frozenset(c for c in text if not c.isspace())


@cache
def cues() -> Cues:
    raw = tomllib.loads(resources.files(__package__).joinpath("data", "cues.toml").read_text(encoding="utf-8"))
    names, places, roles = raw["names"], raw["places"], raw["roles"]
    return Cues(
        followers_strong=_longest_first(names["followers_strong"]),
        followers_weak=_longest_first(names["followers_weak"]),
        leaders=_longest_first(names["leaders"]),
        bare_verbs=_longest_first(names["bare_verbs"]),
        not_names=frozenset(names["not_names"]),
        given_stop=_chars(names["given_stop"]),
        generic_places=_longest_first(places["generic"]),
        blocked_after=_longest_first(places["blocked_after"]),
        stem_stop=_chars(places["stem_stop"]),
        media_suffixes=_longest_first(places["media_suffixes"]),
        organ_after=_longest_first(places["organ_after"]),
        home_organs=_longest_first(places["home_organs"]),
        not_stems=frozenset(places["not_stems"]),
        speaker_verbs=_longest_first(roles["speaker_verbs"]),
        speaker_after_and=_longest_first(roles["speaker_after_and"]),
        assignee_verbs=_longest_first(roles["assignee_verbs"]),
        assignee_leaders=_longest_first(roles["assignee_leaders"]),
        attendee_verbs=_longest_first(roles["attendee_verbs"]),
        reported=_longest_first(roles["reported"]),
    )


# ------------------------------------------------------------------ names
def is_han(text: str) -> bool:
    return bool(text) and all(HAN.match(c) for c in text)


def plausible_name(name: str, glossary: "Glossary | None" = None) -> bool:
    """Could ``name`` be a person's name? Surname from the table, a given name of one or two
    characters none of which is a function word or an organ character, and not a known word."""
    if not (2 <= len(name) <= 4) or not is_han(name):
        return False
    split = split_name(name)
    if split is None:
        return False
    surname, given = split
    if not 1 <= len(given) <= 2:
        return False
    c = cues()
    if any(ch in c.given_stop for ch in given):
        return False
    if any(name.startswith(w) for w in c.not_names):
        return False
    if name in known_places() or split_level(name)[0] in known_places():
        return False
    if glossary is not None and glossary.get(name) is not None and glossary.get(name).kind != "person":
        return False
    return True


def _boundary(text: str, pos: int, glossary: "Glossary") -> str | None:
    """What stands at ``pos`` after a candidate name: 'strong' (punctuation, end, a verb or a
    title: the name surely ends here), 'weak' (和, 在 ...: it may end here) or None."""
    if pos >= len(text) or not HAN.match(text[pos]):
        return "strong"
    c = cues()
    rest = text[pos:pos + 8]
    if rest.startswith(c.followers_strong) or glossary.title_pattern.match(text, pos):
        return "strong"
    if rest.startswith(c.followers_weak):
        return "weak"
    return None


def _sizes(text: str, pos: int) -> list[int]:
    """Candidate name lengths at ``pos``, longest first: a compound surname allows four."""
    compound = split_name(text[pos:pos + 4])
    return [4, 3, 2] if compound and len(compound[0]) == 2 else [3, 2]


def name_after(text: str, pos: int, glossary: "Glossary") -> str | None:
    """The name starting at ``pos`` (after a title), or None.

    Among the lengths that make a plausible name, one followed by a strong boundary wins over
    one followed by a weak one; at equal strength the longer wins (三字 names are the more common).
    """
    best: tuple[int, int, str] | None = None
    for size in _sizes(text, pos):
        name = text[pos:pos + size]
        if len(name) < size or not plausible_name(name, glossary):
            continue
        strength = {"strong": 2, "weak": 1}.get(_boundary(text, pos + size, glossary) or "", 0)
        if strength and (best is None or (strength, size) > best[:2]):
            best = (strength, size, name)
    return best[2] if best else None


def _left_ok(text: str, start: int) -> bool:
    """Does the text before ``start`` let a name begin there (punctuation, start, 请, 由, 是 ...)?"""
    if start == 0 or not HAN.match(text[start - 1]):
        return True
    return text.endswith(cues().leaders, 0, start)


def name_before(text: str, end: int, glossary: "Glossary") -> str | None:
    """The name ending at ``end`` (before a title such as 副区长), or None.

    When both a two- and a three-character reading are plausible, the one that starts where a
    name can start (after punctuation, 请, 由, 是 ...) wins: 由黄杰副书记 -> 黄杰, 四是李顺朝 -> 李顺朝.
    """
    candidates = []
    for size in (4, 3, 2):
        start = end - size
        if start < 0:
            continue
        name = text[start:end]
        if size == 4 and not (split_name(name) and len(split_name(name)[0]) == 2):
            continue
        if plausible_name(name, glossary):
            left_ok = _left_ok(text, start)
            if size == 2 and not left_ok:
                continue  # 担任分指挥长: a two-character name needs a clean left edge
            candidates.append((left_ok, size, name))
    if not candidates:
        return None
    return max(candidates)[2]


# ------------------------------------------------------------------ mentions
@dataclass(frozen=True)
class Mention:
    name: str  # Simplified
    sentence_id: int
    start: int  # the name's span in the sentence's Simplified text
    end: int
    title: str | None = None  # as written (Simplified), organ prefix included, place left out
    lead: int | None = None  # where the mention begins, title included
    tail: int | None = None  # where it ends, a title written after the name included

    @property
    def first(self) -> int:
        return self.start if self.lead is None else self.lead

    @property
    def last(self) -> int:
        return self.end if self.tail is None else self.tail


_LIST_END = ("以及", "和", "及", "与")
_PREFIX_STOP = set("的了是在和与及等对向为把被从到就由请将让使经据按同给并或听取")


def _list_joiner(text: str, pos: int, listed: bool) -> str | None:
    """The separator at ``pos`` in a list of names: 、 always, 和/及 only to close a 、 list
    (县长张三和李四 does not make 李四 a county head)."""
    if text.startswith("、", pos):
        return "、"
    return next((j for j in _LIST_END if text.startswith(j, pos)), None) if listed else None


def _organ_prefix(text: str, start: int, glossary: "Glossary") -> str:
    """The organ written right before a title, level included, place left out:
    县先进制造业开发区党工委书记 -> 县先进制造业开发区; 泸溪县委副书记 -> '' (the place is not
    part of the title)."""
    i = start
    while i > 0 and HAN.match(text[i - 1]) and text[i - 1] not in _PREFIX_STOP and start - i < 20:
        i -= 1
    run = text[i:start]
    for organ in glossary.org_names + ("人民政府", "政府"):
        if run.endswith(organ):
            head = run[: -len(organ)]
            level = next((lv for lv in levels() if head.endswith(lv)), "")
            return level + organ
    return ""


def _title_chains(text: str, glossary: "Glossary") -> list[tuple[int, int]]:
    """Spans of titles, consecutive ones (joined by 、 or 兼 or nothing) merged into one chain."""
    chains: list[list[int]] = []
    for m in glossary.title_pattern.finditer(text):
        if chains and (m.start() == chains[-1][1] or
                       (m.start() == chains[-1][1] + 1 and text[chains[-1][1]] in "、兼")):
            chains[-1][1] = m.end()
        else:
            chains.append([m.start(), m.end()])
    return [(a, b) for a, b in chains]


def _sentence_mentions(sid: int, text: str, glossary: "Glossary") -> list[Mention]:
    """Mentions marked by a title, or by a verb only people do."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    def add(name: str, start: int, title: str | None, lead: int | None = None, tail: int | None = None):
        end = start + len(name)
        if free(start, end):
            found.append(Mention(name, sid, start, end, title, lead, tail))
            taken.append((start, end))

    for a, b in _title_chains(text, glossary):
        name = name_after(text, b, glossary)
        if name is not None:
            prefix = _organ_prefix(text, a, glossary)
            title = prefix + text[a:b]
            add(name, b, title, lead=a - len(prefix))
            # a list sharing the title: 县领导杨道刚、王子宁、袁纪彬; 副区长查文、乐天和仇英
            pos, listed = b + len(name), False
            while (joiner := _list_joiner(text, pos, listed)) is not None:
                nxt = name_after(text, pos + len(joiner), glossary)
                if nxt is None:
                    break
                add(nxt, pos + len(joiner), title, lead=a - len(prefix))
                pos, listed = pos + len(joiner) + len(nxt), True
            continue
        chain = text[a:b]
        if chain[0] in levels() or glossary.is_group(chain):
            continue  # 黄冈市委书记: the text before a level-initial title is a place, not a name
        name = name_before(text, a, glossary)
        if name is not None:
            add(name, a - len(name), chain, tail=b)

    c = cues()
    for verb in c.bare_verbs:
        for m in re.finditer(re.escape(verb), text):
            start = m.start()
            while start > 0 and text[start - 1] not in CLAUSE_END:
                start -= 1
            head = text[start:m.start()]
            if "由" in head:  # 会议由张三主持
                cut = head.rindex("由") + 1
                head, start = head[cut:], start + cut
            if plausible_name(head, glossary):
                add(head, start, None)
    return found


def find_mentions(doc: "Document", glossary: "Glossary") -> list[Mention]:
    """Every mention of a person, in document order."""
    per_sentence = {s.id: _sentence_mentions(s.id, s.simplified, glossary) for s in doc.sentences}
    known = {m.name for ms in per_sentence.values() for m in ms}
    if known:
        pattern = re.compile("|".join(re.escape(n) for n in sorted(known, key=lambda n: (-len(n), n))))
        for s in doc.sentences:
            mentions = per_sentence[s.id]
            for m in pattern.finditer(s.simplified):
                if all(m.end() <= x.first or m.start() >= x.last for x in mentions):
                    mentions.append(Mention(m.group(0), s.id, m.start(), m.end()))
    return sorted((m for ms in per_sentence.values() for m in ms), key=lambda m: (m.sentence_id, m.start))


# ------------------------------------------------------------------ roles
def _clause_start(text: str, pos: int) -> int:
    while pos > 0 and text[pos - 1] not in CLAUSE_END:
        pos -= 1
    return pos


def _clause_end(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] not in CLAUSE_END:
        pos += 1
    return pos


_SPEAKING_AT = re.compile(r"^(在(会上|会议上|讲话中|讲话时|发言中)|(最后|同时|还|再次|进一步|特别|重点))")


def mention_role(text: str, mention: Mention, glossary: "Glossary", others: list[Mention] = ()) -> str:
    """The role a mention gives its person: chair, speaker, assignee, attendee or mentioned."""
    c = cues()
    if glossary.is_national(mention.title):
        return "mentioned"
    head = text[_clause_start(text, mention.first):mention.first]
    if any(word in head for word in c.reported):
        return "mentioned"  # 传达学习县委书记XX在…的讲话精神
    after_end = _clause_end(text, mention.last)
    # the clause after the mention, up to the next person mentioned in it
    nxt = min((o.first for o in others if mention.last <= o.first < after_end), default=after_end)
    after = text[mention.last:nxt]
    if "主持" in after and not after.startswith("主持人"):
        return "chair"
    if _SPEAKING_AT.sub("", after, count=1).startswith(c.speaker_verbs):
        return "speaker"  # 战明秀强调, 张国瑜在讲话中指出
    if "并" in after and any(word in after[after.index("并"):] for word in c.speaker_after_and):
        return "speaker"
    if after.startswith(c.assignee_verbs) or head.endswith(c.assignee_leaders):
        return "assignee"
    sentence_rest = text[mention.last:]
    if any(word in sentence_rest for word in c.attendee_verbs):
        return "attendee"
    return "mentioned"


def _roles(doc: "Document", glossary: "Glossary", mentions: list[Mention]) -> list[tuple[Mention, str]]:
    by_sentence: dict[int, list[Mention]] = {}
    for m in mentions:
        by_sentence.setdefault(m.sentence_id, []).append(m)
    out = []
    for m in mentions:
        text = doc.sentences[m.sentence_id - 1].simplified
        out.append((m, mention_role(text, m, glossary, [o for o in by_sentence[m.sentence_id] if o is not m])))
    return out


def _person(name: str, mentions: list[Mention], glossary: "Glossary") -> PersonFact:
    titled = [m.title for m in mentions if m.title]
    # the most specific title: a real title over a group description (县领导), then the longest
    best = max(titled, key=lambda t: (not glossary.is_group(t), len(t)), default=None)
    return PersonFact(name_zh=name, name_en=romanize_name(name, glossary), title_zh=best,
                      title_en=glossary.render_title(best),
                      sentence_ids=sorted({m.sentence_id for m in mentions}))


def find_people(doc: "Document", glossary: "Glossary") -> list[PersonFact]:
    """Everyone named, in order of first mention, with title and role.

    Only the first presiding person is the chair; a presiding cue for anyone else
    (习近平总书记主持召开…) is not read as a role.
    """
    mentions = find_mentions(doc, glossary)
    chair_name = None
    roles: dict[str, str] = {}
    order: list[str] = []
    for m, role in _roles(doc, glossary, mentions):
        if m.name not in roles:
            order.append(m.name)
            roles[m.name] = "mentioned"
        if role == "chair":
            if chair_name is None:
                chair_name = m.name
            if m.name != chair_name:
                role = "mentioned"
        if ROLE_RANK[role] > ROLE_RANK[roles[m.name]]:
            roles[m.name] = role
    people = []
    for name in order:
        person = _person(name, [m for m in mentions if m.name == name], glossary)
        person.role = "chair" if name == chair_name else roles[name]
        people.append(person)
    return people


# ------------------------------------------------------------------ places
@dataclass(frozen=True)
class PlaceHit:
    start: int
    end: int
    zh: str
    stem: str
    level: str | None
    kind: str  # known (places.tsv) | free (stem + level standing alone) | organ (stem + level + organ)


@cache
def _known_place_pattern() -> re.Pattern:
    names = sorted(known_places(), key=lambda n: (-len(n), n))
    suffixes = "|".join(re.escape(s) for s in levels())
    return re.compile(f"(?P<name>{'|'.join(re.escape(n) for n in names)})(?P<level>{suffixes})?")


@cache
def _level_pattern() -> re.Pattern:
    return re.compile("|".join(re.escape(s) for s in levels()))


# levels whose every place is in the division table: a stem before one of these that is not a known
# name is a word (研究县政府 = 研究 + 县政府, 督促县直单位), never a place the tool should render
_LISTED_LEVELS = ("省", "市", "州", "县", "区", "旗", "盟", "自治州", "自治县", "自治区", "地区")


@cache
def divisions() -> frozenset[str]:
    """Full names of China's divisions down to county level (``data/divisions.tsv``)."""
    text = resources.files(__package__).joinpath("data", "divisions.tsv").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@cache
def _long_division_pattern() -> re.Pattern:
    """Division names whose stem is longer than two characters (英吉沙县, 湘西土家族苗族自治州)."""
    names = sorted((n for n in divisions() if len(split_level(n)[0]) > 2), key=lambda n: (-len(n), n))
    return re.compile("|".join(re.escape(n) for n in names))


def listed_place(stem: str, level: str) -> bool:
    """May ``stem`` + ``level`` be a place? Always below county level; at and above it, only a listed division."""
    return level not in _LISTED_LEVELS or stem + level in divisions() or stem in known_places()


def plausible_stem(stem: str) -> bool:
    c = cues()
    return (len(stem) >= 2 and is_han(stem) and not any(ch in c.stem_stop for ch in stem)
            and stem not in c.not_stems)


def _known_hits(text: str) -> list[PlaceHit]:
    c = cues()
    hits = []
    for m in _known_place_pattern().finditer(text):
        known = known_places()[m.group("name")]
        level = m.group("level")
        own_level = split_level(known.zh)[1]
        if own_level and text.startswith(c.blocked_after, m.end("name") - len(own_level)):
            continue  # 简单县域 is not 单县
        if level and text.startswith(c.blocked_after, m.start("level")):
            level = None  # 湖北省级 -> 湖北
        if level is None and not known.bare and own_level is None:
            continue  # 长治久安 is not 长治
        end = m.end("level") if level else m.end("name")
        hits.append(PlaceHit(m.start(), end, text[m.start():end], m.group("name"), level or own_level, "known"))
    return hits


def place_hits(text: str, glossary: "Glossary | None" = None) -> list[PlaceHit]:
    """Place names in ``text``: names from places.tsv first, then two-character stems followed by
    a level (泸溪县, 东川区), leftmost-longest, not overlapping."""
    c = cues()
    hits = _known_hits(text)
    taken = bytearray(len(text))  # characters inside a known place (an O(1) overlap test)
    for m in _long_division_pattern().finditer(text):  # 英吉沙县, not 吉沙县
        if not any(taken[m.start():m.end()]):
            stem, level = split_level(m.group(0))
            organ = text.startswith(c.organ_after, m.end())
            hits.append(PlaceHit(m.start(), m.end(), m.group(0), stem, level, "organ" if organ else "free"))
    for h in hits:
        taken[h.start:h.end] = b"\x01" * (h.end - h.start)
    for m in _level_pattern().finditer(text):
        start = m.start() - 2
        if start < 0 or any(taken[start:m.end()]):
            continue
        stem, level = text[start:m.start()], m.group(0)
        if not plausible_stem(stem) or not listed_place(stem, level):
            continue
        if text.endswith(c.generic_places, 0, m.end()) or text.startswith(c.blocked_after, m.start()):
            continue
        rest = text[m.end():m.end() + 8]
        organ = rest.startswith(c.organ_after) or (
            glossary is not None and (rest.startswith(glossary.org_names) or glossary.title_pattern.match(text, m.start())))
        hits.append(PlaceHit(start, m.end(), stem + level, stem, level, "organ" if organ else "free"))
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    out: list[PlaceHit] = []
    for h in hits:
        if not out or h.start >= out[-1].end:
            out.append(h)
    return out


# levels a report's own place has when it is found only before an organ (not 村, 镇 ...)
_HOME_LEVELS = ("省", "市", "州", "盟", "县", "旗", "区", "自治州", "自治县", "自治区", "地区")


def home_place(doc: "Document", level: str | None = None, glossary: "Glossary | None" = None) -> tuple[str, str | None] | None:
    """The place the report is about, as (stem, level), found in the report and its web page:

    1. the most frequent place of ``level`` standing alone (美丽濮阳县, 东川区实施, 山阳县召开);
    2. the place of a local media dateline (泸溪融媒1月9日讯, 集贤微言3月24日), when the
       report repeats it;
    3. a place before an organ at the start of a clause or line (来源:泸溪县政府办, ，平江县委书记…).
    Provinces and big cities mentioned in passing are not candidates.
    """
    text = to_simplified(doc.original)
    hits = [h for h in place_hits(text, glossary)
            if h.level is not None and (level is None or h.level == level)
            and not (h.kind == "known" and known_places()[h.stem].bare)]

    def most_frequent(candidates: list[PlaceHit]) -> tuple[str, str | None] | None:
        counts = Counter((h.stem, h.level) for h in candidates)
        first = {}
        for h in candidates:
            first.setdefault((h.stem, h.level), h.start)
        return max(counts, key=lambda k: (counts[k], -first[k])) if counts else None

    found = most_frequent([h for h in hits if h.kind in ("known", "free")])
    if found:
        return found
    suffixes = "|".join(re.escape(s) for s in cues().media_suffixes)
    body = " ".join(s.simplified for s in doc.sentences)
    for m in re.finditer(rf"(?P<stem>[\u4e00-\u9fff]{{2}})(?:{suffixes})\s*(?:\d{{1,2}}月\d{{1,2}}日|讯)", text):
        stem = m.group("stem")
        if plausible_stem(stem) and body.count(stem) >= 2:
            return stem, level
    home_organs = cues().home_organs
    return most_frequent([h for h in hits if (h.start == 0 or not HAN.match(text[h.start - 1]))
                          and h.level in _HOME_LEVELS and text.startswith(home_organs, h.end)])


def find_places(doc: "Document", glossary: "Glossary") -> list[Rendering]:
    """Places named in the report, in order of first mention, romanized. A stem before an organ
    (泸溪县委) counts only for the report's own place, which is also rendered where it stands
    alone (泸溪茶叶 -> 泸溪 = Luxi)."""
    found: dict[str, Rendering] = {}
    home = home_place(doc, glossary=glossary)
    for s in doc.sentences:
        hits = place_hits(s.simplified, glossary)
        for h in hits:
            if h.kind == "organ" and (home is None or h.stem != home[0]):
                continue
            found.setdefault(h.zh, Rendering(h.zh, romanize_place(h.zh, glossary), "place"))
        if home is None:
            continue
        for m in re.finditer(re.escape(home[0]), s.simplified):
            if all(m.end() <= h.start or m.start() >= h.end for h in hits):
                found.setdefault(home[0], Rendering(home[0], romanize_stem(home[0], glossary), "place"))
    return list(found.values())


# ------------------------------------------------------------------ companies
# a company's generic ending and its English, longest first
_COMPANY_KINDS = {
    "集团有限责任公司": "Group Co., Ltd.", "集团股份有限公司": "Group Co., Ltd.", "集团有限公司": "Group Co., Ltd.",
    "股份有限公司": "Co., Ltd.", "有限责任公司": "Co., Ltd.", "集团公司": "Group Corporation", "有限公司": "Co., Ltd.",
    "集团": "Group",
}
_COMPANY = re.compile("|".join(_COMPANY_KINDS))
_NOT_COMPANY = re.compile(r"^(各|有关|相关|该|本|国有|民营|大型|企业|龙头|重点|骨干|下属|所属|省属|市属|县属|区属)|企业$")


def _place_prefix(text: str) -> str | None:
    """The longest listed place ``text`` starts with, leaving at least two characters."""
    return next((text[:k] for k in range(len(text) - 2, 1, -1)
                 if text[:k] in known_places() or (split_level(text[:k])[1] and listed_place(*split_level(text[:k])))),
                None)


def company_rendering(run: str, kind: str, home: tuple[str, str | None] | None, glossary: "Glossary") -> tuple[str, str] | None:
    """(Chinese, English) of a company whose name ends ``run`` + ``kind`` (会议同意湖南省建工 + 集团): it
    starts at a listed place if one is in ``run`` (romanized), else is the whole run; its own name is a
    glossary term or pinyin (the form such firms use in English), its kind translated."""
    start = next((j for j in range(len(run) - 3) if _place_prefix(run[j:])), 0)
    run = run[start:]
    zh = run + kind
    parts: list[str] = []
    place = _place_prefix(run)
    if place:
        parts.append(romanize_place(place, glossary))
        run = run[len(place):]
    elif home is not None and run[:1] in _HOME_LEVELS and run[:1] == (home[1] or ""):
        parts.append(romanize_place(home[0] + home[1], glossary))  # 县城投集团 in a Luxi County report
        run = run[1:]
    if not 2 <= len(run) <= 4 or not is_han(run) or _NOT_COMPANY.search(run):
        return None
    entry = glossary.get(run)
    name = entry.en.title() if entry is not None and entry.kind in ("term", "org") else pinyin_word(run)
    return zh, " ".join(parts + [name, _COMPANY_KINDS[kind]])


def find_companies(doc: "Document", glossary: "Glossary") -> list[Rendering]:
    """Companies named in the report (泸溪县城投集团, 湘西金晟有限公司), rendered by the tool rather than
    guessed by the model. The name is what stands between the last stop character (了, 由, 和 ...)
    or punctuation and the generic ending, at most eight characters."""
    found: dict[str, Rendering] = {}
    home = home_place(doc, glossary=glossary)
    for s in doc.sentences:
        text = s.simplified
        for m in _COMPANY.finditer(text):
            i = m.start()
            while i > 0 and HAN.match(text[i - 1]) and text[i - 1] not in _PREFIX_STOP and m.start() - i < 8:
                i -= 1
            rendered = company_rendering(text[i:m.start()], m.group(0), home, glossary)
            if rendered and rendered[0] not in found and glossary.get(rendered[0]) is None:
                found[rendered[0]] = Rendering(*rendered, "org")
    return list(found.values())

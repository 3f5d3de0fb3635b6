"""Hostile input: prompt injection inside a report, and model outputs that obeyed one.

Report text reaches the model only as data, between ``<report>`` and ``</report>``;
:func:`neutralise` makes sure a report cannot close (or open) that block itself. The
sentences that read like instructions to the model are found by the rules in
``data/injection.toml`` (Chinese and English phrasing, fake chat turns, fake JSON) and
flagged in the brief's checks as ``prompt_injection``; they are still summarised as data.

After generation, :func:`guard_output` drops any model-written field that repeats the
system prompt, contains a reply an injection demanded ("reply PWNED") or holds what looks
like a credential, with a check saying so. Evidence is the tool's verbatim source text and is never touched.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from importlib import resources

from .schema import Brief, Check

RULES_FILE = "injection.toml"

# tags that could end or start the data block: ASCII and full-width angle brackets, any case/spacing
_TAG = re.compile(r"[<＜﹤]\s*([/／]?)\s*(report)\b([^>＞﹥\n]{0,40})[>＞﹥]", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    name: str
    lang: str
    pattern: re.Pattern
    demand: str | None = None


@dataclass(frozen=True)
class Finding:
    """A sentence that reads like an instruction to the model."""

    sentence: int
    text: str
    rules: tuple[str, ...]
    demands: tuple[str, ...] = ()


@functools.lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    data = tomllib.loads(resources.files("summarizer").joinpath("data", RULES_FILE).read_text(encoding="utf-8"))
    return tuple(Rule(name=r["name"], lang=r.get("lang", "any"), pattern=re.compile(r["pattern"], re.IGNORECASE),
                      demand=r.get("demand")) for r in data["rule"])


def neutralise(text: str) -> str:
    """Report text as sent to the model: ``</report>`` and ``<report>`` can no longer close or
    open the data block (they become ``&lt;/report&gt;``). Only for prompts, never for evidence."""
    if "report" not in text.lower():
        return text
    return _TAG.sub(lambda m: f"&lt;{m.group(1) and '/'}{m.group(2)}{m.group(3)}&gt;", text)


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def scan_text(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(names of the rules a text matches, replies it demands)."""
    text = _normal(text)
    names: list[str] = []
    demands: list[str] = []
    for rule in rules():
        for match in rule.pattern.finditer(text):
            if rule.name not in names:
                names.append(rule.name)
            if rule.demand and match.group(rule.demand) and match.group(rule.demand) not in demands:
                demands.append(match.group(rule.demand))
    return tuple(names), tuple(demands)


def scan(doc) -> list[Finding]:
    """The sentences of a report (``ingest.Document``) that read like instructions to the model."""
    findings = []
    for sentence in doc.sentences:
        names, demands = scan_text(sentence.simplified or sentence.text)
        if names:
            findings.append(Finding(sentence=sentence.id, text=sentence.text, rules=names, demands=demands))
    return findings


def injection_checks(findings: list[Finding]) -> list[Check]:
    return [Check(kind="prompt_injection", severity="warning",
                  message=f"sentence {f.sentence} reads like an instruction to the model ({', '.join(f.rules)}); "
                          f"it was treated as report text: {_quote(f.text)}",
                  detail={"sentence": f.sentence, "rules": list(f.rules), "text": f.text})
            for f in findings]


# ------------------------------------------------------------------ outputs
CREDENTIAL_PROBLEM = "it contains what looks like a credential (an API key, token or private key)"
SHINGLE = 8  # words in a row shared with the system prompt that count as repeating it
_WORD = re.compile(r"[a-z0-9]+")
_CHAT_TOKENS = re.compile(r"<\|(im_start|im_end|system|user|assistant|endoftext)\|>|\[/?INST\]|<</?SYS>>")


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(_normal(text).lower())
    return {tuple(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


# what credentials look like (OpenAI/Anthropic/DeepSeek-style keys, AWS, GitHub, Slack and Google keys,
# JWTs, bearer tokens, PEM private keys): a model-written field holding one is dropped
CREDENTIAL = re.compile(
    r"\b(?:sk|pk|rk)-(?:[a-z]+-)?[A-Za-z0-9_-]{16,}|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{30,}|"
    r"\bxox[abprs]-[A-Za-z0-9-]{10,}|\bAIza[0-9A-Za-z_-]{30,}|\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.|"
    r"(?i:bearer)\s+[A-Za-z0-9._~+/-]{20,}|-----BEGIN [A-Z ]*PRIVATE KEY-----")


def _problem(text: str | None, prompt_shingles: set, demands: dict[str, re.Pattern]) -> str | None:
    if not text:
        return None
    if CREDENTIAL.search(text):
        return CREDENTIAL_PROBLEM
    if prompt_shingles and _shingles(text) & prompt_shingles:
        return "it repeats the system prompt"
    for token, pattern in demands.items():
        if pattern.search(text):
            return f"it gives the reply an injected instruction asked for ('{token}')"
    if _CHAT_TOKENS.search(text):
        return "it contains chat-template tokens"
    return None


def guard_output(brief: Brief, findings: list[Finding], system_prompt: str) -> list[Check]:
    """Drop model-written fields that leak the system prompt or obey an injection; say so in checks.

    Summary points and actions are removed whole (their evidence stays in the source); a
    title is cleared; an owner or deadline is cleared. Checks already pointing at later
    items are re-pointed so targets stay right.
    """
    prompt_shingles = _shingles(system_prompt)
    demands = {d: re.compile(rf"(?<![A-Za-z0-9_]){re.escape(d)}(?![A-Za-z0-9_])", re.IGNORECASE)
               for f in findings for d in f.demands}
    checks: list[Check] = []

    def note(target: str | None, what: str, why: str) -> None:
        kind, severity = ("credential_in_reply", "error") if why == CREDENTIAL_PROBLEM else ("prompt_injection",
                                                                                              "warning")
        checks.append(Check(kind=kind, severity=severity, target=target, message=f"{what} left out: {why}"))

    meeting = brief.meeting
    if why := _problem(meeting.title_en, prompt_shingles, demands):
        meeting.title_en = None
        note("meeting.title_en", "the model's title", why)

    kept = []
    for n, item in enumerate(brief.summary):
        if why := _problem(item.text, prompt_shingles, demands):
            note(None, f"summary point {n + 1}{_shown(item.text, why)}", why)
            _retarget(brief.checks, "summary", len(kept))
        else:
            kept.append(item)
    brief.summary = kept

    kept = []
    for n, action in enumerate(brief.actions):
        if why := _problem(action.task_en, prompt_shingles, demands):
            note(None, f"action {n + 1}{_shown(action.task_en, why)}", why)
            _retarget(brief.checks, "actions", len(kept))
            continue
        where = f"actions[{len(kept)}]"
        if why := _problem(action.owner_en, prompt_shingles, demands):
            action.owner_en = None
            note(f"{where}.owner_en", "the model's owner", why)
        if action.deadline and (why := _problem(action.deadline.text_en, prompt_shingles, demands)):
            action.deadline = None
            note(f"{where}.deadline", "the model's deadline", why)
        kept.append(action)
    brief.actions = kept
    return checks


def _shown(text: str, why: str) -> str:
    """The dropped text, quoted in the check, unless quoting it would copy a credential."""
    return "" if why == CREDENTIAL_PROBLEM else f" ({_quote(text)})"


def _retarget(checks: list[Check], field: str, removed: int) -> None:
    """Item ``field[removed]`` was removed: checks on it lose their target, later ones shift down."""
    pattern = re.compile(rf"^{field}\[(\d+)\]")
    for check in checks:
        m = pattern.match(check.target or "")
        if not m:
            continue
        index = int(m.group(1))
        if index == removed:
            check.target = None
        elif index > removed:
            check.target = f"{field}[{index - 1}]{check.target[m.end():]}"


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f"'{text}'" if len(text) <= limit else f"'{text[:limit - 1]}…'"

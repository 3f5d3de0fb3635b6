"""``summarizer digest``: many briefings -> one digest (duplicates, themes, meetings, actions, checks)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from summarizer.digest import actions_by_date
from summarizer.digest.model import Digest, DigestMeeting, Item, Place, Statement
from summarizer.digest.render import SECTIONS
from summarizer.digest.synthesis import check_statements
from summarizer.schema import Deadline

from .conftest import ROOT
from .test_cli import cli

REPORTS = ROOT / "evals" / "digest" / "reports"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A digest of the 30 reports of the digest dataset (5 seeds x 4 copies + 10 dev readouts), briefed and
    synthesised by the fake server."""
    from .fakeserver import FakeOpenAI

    out = tmp_path_factory.mktemp("digest")
    with FakeOpenAI() as fake:
        env = {"OPENAI_BASE_URL": fake.base_url, "COLUMNS": "200"}
        run = cli("digest", REPORTS, "--out", out, "--model", "m", "--as-of", "2021-03-01", env=env, timeout=900)
        requests = list(fake.chat_requests)
    assert run.returncode == 0, run.stderr
    return out, Digest.model_validate_json((out / "digest.digest.json").read_text()), requests


def test_a_digest_counts_each_republished_meeting_once_with_all_its_sources(made):
    out, digest, _ = made
    assert digest.counts.reports == 30 and digest.counts.meetings == 15 and digest.counts.duplicates == 15
    # reposts are found before briefing: only one report per meeting costs model calls
    assert len(list((out / "briefings").rglob("*.brief.json"))) == 15
    groups = {frozenset(Path(s).name for s in m.sources) for m in digest.meetings if len(m.sources) > 1}
    assert groups == {frozenset({f"{n}.txt", f"{n}-mirror.txt", f"{n}-traditional.txt", f"{n}-redated.txt"})
                      for n in ("000", "001", "002", "003", "004")}
    # a Simplified copy is the one read, not the Traditional repost (seed 001 is Traditional itself)
    from summarizer.ingest import read_report

    for m in digest.meetings:
        if len(m.sources) > 1 and read_report(REPORTS / f"{Path(m.sources[0]).name[:3]}.txt").script == "simplified":
            assert read_report(Path(m.sources[0])).script == "simplified", m.sources
    from summarizer.evaluate.digest import score_digest

    scores = score_digest(digest, ROOT / "evals" / "digest")
    assert scores["duplicate_precision"] == 1.0 and scores["duplicate_recall"] == 1.0


def test_meetings_are_placed_in_their_prefecture_and_province_and_ordered_by_date(made):
    _, digest, _ = made
    luxi = next(m for m in digest.meetings if m.place.name_zh == "泸溪县")
    assert (luxi.place.prefecture_zh, luxi.place.province_zh, luxi.place.province_en) == (
        "湘西土家族苗族自治州", "湖南省", "Hunan Province")
    assert luxi.number == 87 and luxi.date == "2021-01-08" and luxi.chair_en.startswith("Xiang Henglin")
    dated = [m.date for m in digest.meetings if m.date and len(m.date) == 10]
    assert dated == sorted(dated)


def test_model_calls_are_one_per_theme_plus_the_overview(made):
    _, digest, requests = made
    digest_calls = [r for r in requests if "digests of Chinese local-government" in r["body"]["messages"][0]["content"]]
    assert len(digest_calls) == digest.usage.calls == len(digest.themes) + 1
    # every statement cites items of the digest, and every item leads to verbatim source sentences
    items = {i.id: i for i in digest.items}
    for theme in digest.themes:
        assert theme.synthesis and all(st.items and set(st.items) <= set(theme.items) for st in theme.synthesis)
        assert {items[i].theme for i in theme.items} == {theme.id}
    assert digest.overview and all(set(st.items) <= set(items) for st in digest.overview)
    assert all(i.evidence_zh for i in digest.items)


def test_the_four_formats_hold_the_same_sections(made):
    out, digest, _ = made
    from docx import Document as Docx

    markdown = (out / "digest.digest.md").read_text()
    html = (out / "digest.digest.html").read_text()
    headings = [p.text for p in Docx(str(out / "digest.digest.docx")).paragraphs if p.style.name == "Heading 1"]
    assert headings == SECTIONS
    assert [line[3:] for line in markdown.splitlines() if line.startswith("## ")][:len(SECTIONS)] == SECTIONS
    for section in SECTIONS:
        assert f">{section}</h2>" in html
    assert "http://" not in html and "https://" not in html and "<svg" in html
    assert json.loads((out / "digest.digest.json").read_text())["counts"]["meetings"] == 15


def test_filters_by_period_and_place(made, tmp_path):
    out, _, _ = made
    briefs = out / "briefings"
    from .fakeserver import FakeOpenAI

    with FakeOpenAI() as fake:
        env = {"OPENAI_BASE_URL": fake.base_url}
        run = cli("digest", briefs, "--out", tmp_path, "--model", "m", "--place", "湖南", "--format", "json",
                  env=env)
        assert run.returncode == 0, run.stderr
        hunan = Digest.model_validate_json((tmp_path / "digest.digest.json").read_text())
        run = cli("digest", briefs, "--out", tmp_path, "--model", "m", "--since", "2021-02-01", "--until",
                  "2021-12-31", "--format", "json", "--name", "feb", env=env)
        assert run.returncode == 0, run.stderr
        period = Digest.model_validate_json((tmp_path / "feb.digest.json").read_text())
        bad = cli("digest", briefs, "--since", "Feb 1", "--out", tmp_path, env=env)
        assert bad.returncode == 1 and "YYYY-MM-DD" in bad.stderr
    assert {m.place.province_zh for m in hunan.meetings} == {"湖南省"} and hunan.counts.left_out > 0
    assert period.meetings and all("2021-02-01" <= m.date <= "2021-12-31" for m in period.meetings)
    assert not (tmp_path / "feb.digest.md").exists()  # --format json only


def _meeting(mid: str, date: str, place: str = "Luxi County") -> DigestMeeting:
    return DigestMeeting(id=mid, place=Place(name_en=place), kind="executive_meeting", date=date, number=3,
                         briefing="b.json", sources=["r.txt"], chair_en="Xiang Henglin, County Head")


def test_actions_upcoming_first_then_passed_recurring_apart():
    meetings = {"M1": _meeting("M1", "2021-01-08")}

    def action(n: int, deadline: Deadline | None, theme: str = "work_safety", owner: str | None = None) -> Item:
        return Item(id=f"M1.a{n}", meeting="M1", kind="action", text_en=f"task {n}", theme=theme, owner_en=owner,
                    deadline=deadline)

    items = [action(1, Deadline(text_en="by March 10", date="2021-03-10")),
             action(2, Deadline(text_en="by January 20", date="2021-01-20")),
             action(3, Deadline(text_en="monthly", recurrence="monthly")),
             action(4, Deadline(text_en="by February 5", date="2021-02-05")),
             action(5, None, "fiscal", "Finance Bureau"), action(6, None, "epidemic_control", "Health Bureau")]
    got = actions_by_date(items, meetings, as_of="2021-02-01")
    assert [r.item for r in got.upcoming] == ["M1.a4", "M1.a1"]
    assert [r.item for r in got.passed] == ["M1.a2"]
    assert [r.item for r in got.recurring] == ["M1.a3"]
    assert [r.item for r in got.undated] == ["M1.a6", "M1.a5"]  # by theme, then owner


def test_statements_are_checked_against_the_items_they_cite():
    meetings = {"M1": _meeting("M1", "2021-01-08")}
    items = {"M1.s1": Item(id="M1.s1", meeting="M1", kind="point", theme="work_safety",
                           text_en="Luxi County ordered checks of 23 gas sites.",
                           evidence_zh=["会议要求对全县23个燃气站点开展检查,3月10日前完成。"])}
    ok = Statement(text="Luxi County ordered checks of 23 gas sites by March 10, at the meeting of January 8.",
                   items=["M1.s1"])
    invented = Statement(text="Zhang Wei of Xing County ordered 40 checks by April 2.", items=["M1.s1"])
    uncited = Statement(text="Counties stressed safety.", items=[])
    found = check_statements([("overview[0]", ok), ("overview[1]", invented), ("overview[2]", uncited)], items,
                             meetings)
    kinds = {(c.target, c.kind) for c in found}
    assert not any(t == "overview[0]" for t, _ in kinds)
    assert {("overview[1]", k) for k in ("unsupported_number", "unsupported_date", "unsupported_name",
                                          "unsupported_place")} <= kinds
    assert ("overview[2]", "uncited_statement") in kinds


@pytest.mark.browser
def test_digest_page_in_headless_chromium(made, browser, artifacts):
    out, digest, _ = made
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    errors, requests = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto((out / "digest.digest.html").as_uri())
    assert page.locator("h2").all_inner_texts()[:len(SECTIONS)] == SECTIONS
    months = {m.date[:7] for m in digest.meetings if m.date and len(m.date) == 10}
    assert page.locator("#chart-meetings rect").count() == len(months) + (1 if any(
        not m.date or len(m.date) != 10 for m in digest.meetings) else 0)
    assert page.locator("#chart-themes tbody tr").count() == len(digest.themes)
    first = digest.themes[0].synthesis[0].items[0]
    page.locator(f'#theme-{digest.themes[0].id} details summary').click()
    page.locator(f'a[href="#{first}"]').first.click()
    assert page.evaluate("location.hash") == f"#{first}" and page.locator(f"[id='{first}']").is_visible()
    page.screenshot(path=str(artifacts / "digest.png"), full_page=False)
    assert errors == [] and all(url.startswith("file://") for url in requests)
    page.close()


def test_nothing_to_digest_is_one_clear_error(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    run = cli("digest", empty, "--out", tmp_path / "o")
    assert run.returncode == 1 and "nothing to digest" in run.stderr
    shutil.rmtree(empty)

"""Ingest end to end on the seeds, HTML pages, language and script detection, sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.errors import InputError
from summarizer.ingest import CUT, parse_text, read_report
from summarizer.ingest.html import extract_article, looks_like_html
from summarizer.ingest.language import detect_language
from summarizer.ingest.script import detect_script
from summarizer.ingest.sentences import MAX_CHARS, split_spans

from .conftest import SEED_FILES, seed

CORPUS = Path(__file__).parent / "corpus"


def parse(text: str, name: str = "r.txt"):
    return parse_text(text, path=Path(name), sha256="0" * 64, encoding="utf-8")


# ---------------------------------------------------------------- the seeds
SEED_EXPECTED = {  # title, script, first body sentence start
    "000": ("向恒林主持召开县政府第87次常务会议", "simplified", "泸溪融媒1月9日讯1月8日,泸溪县委副书记"),
    "001": ("縣委副書記、縣長劉銳主持召開縣政府第26次常務會議", "traditional", "5月11日,縣委副書記、縣長劉銳"),
    "002": (None, "simplified", "3月24日，县委书记战明秀"),
    "003": ("区人民政府召开第79次常务会议", "simplified", "2021年2月25日,区长陈江主持召开"),
    "004": (None, "simplified", "2月28日，山阳县召开脱贫攻坚"),
}


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_seed_documents(path):
    doc = read_report(path)
    title, script, first = SEED_EXPECTED[path.name[:3]]
    assert doc.language == "zh" and doc.script == script and doc.title == title
    assert doc.encoding == "utf-8" and doc.original == path.read_text(encoding="utf-8")
    body = [s for s in doc.sentences if s.text != doc.title]
    assert body[0].text.startswith(first)
    for s in doc.sentences:
        assert doc.text[s.start:s.end] == s.text
        start, end = doc.original_span(s)
        assert doc.original[start] == s.text[0] and doc.original[end - 1] == s.text[-1]
    if script == "traditional":
        assert all(s.simplified != s.text for s in doc.sentences[:3])
        assert doc.simplified_of(doc.sentences[0].text) == "县委副书记、县长刘锐主持召开县政府第26次常务会议"
    else:
        assert all(s.simplified == s.text for s in doc.sentences)


def test_simplified_of_is_a_lookup_and_falls_back_to_conversion():
    doc = read_report(seed("001"))
    assert doc.simplified_of("會議還研究了其他事項。") == "会议还研究了其他事项。"
    assert doc.simplified_of("縣長") == "县长"  # not a sentence: converted
    english = parse("The meeting was held on Monday. It approved the plan.")
    assert english.simplified_of("anything") == "anything"


def test_seed_headings_and_openers():
    doc = read_report(seed("003"))
    headings = [s.text for s in doc.sentences if s.heading]
    assert headings[0] == "一、传达学习习近平总书记在贵州省考察时讲话精神" and len(headings) == 5
    assert any(s.opener for s in doc.sentences)


# ---------------------------------------------------------------- HTML
PAGE = (CORPUS / "government-page.html").read_text(encoding="utf-8")


def test_government_page_keeps_title_and_body_and_drops_chrome():
    doc = parse(PAGE, "page.html")
    assert doc.title == "向恒林主持召开县政府第87次常务会议"
    for kept in ("1月8日，泸溪县委副书记、县长向恒林", "会议指出，安全生产事关人民群众生命财产安全",
                 "要加快推进重点人群新冠疫苗紧急接种工作", "县政府在家县级领导出席会议"):
        assert kept in doc.text
    for chrome in ("当前位置", "首页", "政务公开", "互动交流", "来源", "浏览次数", "字号", "分享", "微博",
                   "打印此页", "关闭本页", "上一篇", "下一篇", "热点推荐", "优化营商环境", "主办单位", "ICP备",
                   "公网安备", "联系电话", "分辨率", "无障碍", "English", "_hmt", ".jpg"):
        assert chrome not in doc.text, chrome


def test_html_is_recognised_by_content_too():
    assert looks_like_html("<!DOCTYPE html><html>…", ".txt")
    assert looks_like_html("  <html lang='zh'>", "")
    assert looks_like_html("x", ".HTM")
    assert not looks_like_html("会议指出，<b>要</b>抓好安全。", ".txt")
    doc = parse(PAGE, "page.txt")  # saved with the wrong suffix
    assert doc.title == "向恒林主持召开县政府第87次常务会议"


def test_short_html_page_is_extracted():
    text, warnings = extract_article("<html><body><div class='nav'><a href='/'>首页</a></div>"
                                     "<p>会议指出，要抓好安全生产。会议要求，各部门要落实责任。</p></body></html>")
    assert "会议指出，要抓好安全生产。" in text


def test_script_only_page_is_an_error():
    with pytest.raises(InputError, match="no article text found in the HTML page"):
        parse((CORPUS / "script-shell.html").read_text(encoding="utf-8"), "app.html")


# ---------------------------------------------------------------- language
@pytest.mark.parametrize("text, language", [
    ("县政府召开常务会议。会议指出，要抓好安全生产。", "zh"),
    ("縣政府召開常務會議。會議指出，要抓好安全生產。", "zh"),  # langdetect alone says ko for some of these
    ("会议", "zh"),
    ("The county government held its executive meeting on Monday.", "en"),
    ("Minutes\n\nThe county government held its executive meeting on Monday and approved the plan.", "en"),
    ("정부는 오늘 회의를 열었다.", "ko"),
    ("本日、会議が開かれました。", "ja"),
    ("Правительство провело заседание.", "ru"),
    ("Le conseil municipal a approuvé le budget de la commune pour l'année prochaine.", "fr"),
    ("การประชุมคณะรัฐมนตรีวันนี้", "th"),
])
def test_language(text, language):
    assert detect_language(text).language == language


def test_language_of_chinese_with_acronyms_is_not_mixed():
    guess = detect_language("会议指出，要抓好GDP增长和5G基站建设，推进政务APP应用，做好COVID-19防控。")
    assert guess.language == "zh" and not guess.mixed


def test_mixed_language_majority_with_warning():
    doc = parse((CORPUS / "mixed-zh-en.txt").read_text(encoding="utf-8"))
    assert doc.language == "en" and doc.warnings[0].startswith("mixed_language:")
    chinese_heavy = ("县政府召开常务会议，研究部署乡村振兴和安全生产工作，会议要求各乡镇抓好落实。" * 4
                     + "\nSummary: the meeting was held.")
    doc = parse(chinese_heavy)
    assert doc.language == "zh" and not doc.warnings


def test_no_letters_is_none():
    assert detect_language("2021-01-09 —— 123") is None
    assert detect_language("") is None


def test_unsupported_language_errors_are_one_line_with_a_hint():
    with pytest.raises(InputError) as err:
        parse("정부는 오늘 회의를 열고 경제 정책에 대해 논의했습니다.", "k.txt")
    assert str(err.value) == ("k.txt: unsupported language: ko (summarizer reads Chinese (Simplified or "
                              "Traditional) and English reports)")


# ---------------------------------------------------------------- script
@pytest.mark.parametrize("text, script", [
    ("县政府召开常务会议", "simplified"), ("縣政府召開常務會議", "traditional"),
    ("会议", "simplified"), ("會議", "traditional"), ("中国人民", "simplified"),
])
def test_script(text, script):
    assert detect_script(text) == script


def test_traditional_is_analysed_in_simplified_and_quoted_in_the_original():
    doc = parse("縣政府召開常務會議\n會議要求，各鄉鎮要抓好落實。")
    assert doc.script == "traditional"
    assert doc.sentences[1].text == "會議要求，各鄉鎮要抓好落實。"
    assert doc.sentences[1].simplified == "会议要求，各乡镇要抓好落实。"


# ---------------------------------------------------------------- sentences
def _texts(text, language="zh"):
    return [text[s.start:s.end] for s in split_spans(text, language)]


def test_chinese_sentences():
    assert _texts("会议指出，要抓好安全。会议要求：“各部门要落实！”\n二、其他事项；研究了其他事项") == [
        "会议指出，要抓好安全。", "会议要求：“各部门要落实！”", "二、其他事项；", "研究了其他事项"]


def test_lost_character_question_mark_does_not_end_a_sentence():
    assert _texts("要主动对接,融入?^域发展新格局。下一句。") == ["要主动对接,融入?^域发展新格局。", "下一句。"]
    assert _texts("是否可行? 是的。") == ["是否可行?", "是的。"]


def test_every_kind_of_line_break_ends_a_sentence():
    assert _texts("第一行\r第二行\u2028第三行\x0c第四行") == ["第一行", "第二行", "第三行", "第四行"]


def test_english_sentences():
    text = ("On Jan. 5, 2021, Mr. Chen chaired the meeting at 3.30 p.m. in the U.S. office. "
            "It approved 2.5 million yuan! Next?")
    assert _texts(text, "en") == [
        "On Jan. 5, 2021, Mr. Chen chaired the meeting at 3.30 p.m. in the U.S. office.",
        "It approved 2.5 million yuan!", "Next?"]


def test_long_sentences_are_cut_at_commas_then_spaces():
    chinese = "，".join(["各级各部门要抓好落实"] * 80) + "。"
    pieces = _texts(chinese)
    assert len(pieces) > 1 and all(len(p) <= MAX_CHARS for p in pieces) and "".join(pieces) == chinese
    english = " ".join(["word"] * 300) + "."
    pieces = _texts(english, "en")
    assert all(len(p) <= MAX_CHARS for p in pieces) and all(not p.startswith("ord") for p in pieces)


def test_stray_punctuation_joins_its_sentence_but_not_across_lines():
    assert _texts("会议指出。”\n——\n下一段。") == ["会议指出。”", "下一段。"]


# ---------------------------------------------------------------- errors from parse_text
@pytest.mark.parametrize("text, problem", [
    ("", "file is empty"), ("  \n\u3000\n", "file is empty"), ("2021-01-09\n—— ！", "no words"),
    ("区人民政府召开第79次常务会议", "title but no body"),
    ("当前位置：首页 > 新闻\n来源：县政府办\n【打印此页】 【关闭本页】", "nothing is left after removing"),
])
def test_parse_text_errors(text, problem):
    with pytest.raises(InputError) as err:
        parse(text, "x.txt")
    assert problem in str(err.value) and str(err.value).startswith("x.txt: ") and "\n" not in str(err.value)


def test_one_sentence_report_is_a_document():
    doc = parse("会议指出，要抓好安全生产。")
    assert doc.title is None and len(doc.sentences) == 1


def test_a_sentence_is_quoted_as_the_file_has_it_around_what_cleaning_deleted():
    doc = parse("县政府召开常务会议\n会议要求，各部门要抓好落实 微信图片_20210109195542_abcdef.jpg 确保按期完成。"
               "会议指出，要（记者 王小明）做好工作。\n")
    long_cut, short_cut = doc.sentences[1], doc.sentences[2]
    assert "微信图片" not in long_cut.text and "王小明" not in short_cut.text  # cleaning deleted them
    # a short one-line deletion is shown as it was: the whole quote is a substring of the file
    assert doc.in_file(short_cut) == "会议指出，要（记者 王小明）做好工作。" and doc.in_file(short_cut) in doc.original
    # a longer one is marked, not repeated; each piece between the marks is in the file
    quoted = doc.in_file(long_cut)
    assert quoted == f"会议要求，各部门要抓好落实 {CUT} 确保按期完成。" and quoted not in doc.original
    assert all(piece in doc.original for piece in quoted.split(CUT))
    assert doc.in_file(doc.sentences[0]) == doc.sentences[0].text  # nothing deleted: the sentence itself


def test_seed_quotes_are_found_in_the_seed_files():
    dateline = read_report(seed("000"))  # a reporter credit inside the opening sentence
    opening = next(s for s in dateline.sentences if s.text.startswith("泸溪融媒1月9日讯1月8日"))
    assert dateline.in_file(opening).startswith("泸溪融媒1月9日讯(通讯员 钱继霖)1月8日")
    pinyin = read_report(seed("001"))  # Traditional with pinyin injected after characters
    changed = [s for s in pinyin.sentences if pinyin.in_file(s) != s.text]
    assert len(changed) > 20
    for s in changed:
        assert pinyin.in_file(s) in pinyin.original and CUT not in pinyin.in_file(s)

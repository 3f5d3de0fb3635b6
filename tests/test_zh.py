"""Chinese numerals, dates and deadlines: the one reading every part of the tool uses."""

from __future__ import annotations

import pytest

from summarizer.zh.dates import DATE, publication_date
from summarizer.zh.deadlines import HINT, find_deadline
from summarizer.zh.numerals import readings, small_number, to_int, value


@pytest.mark.parametrize("text, expected", [
    ("二十六", 26), ("一百零三", 103), ("二〇二一", 2021), ("二○二一", 2021), ("两万", 20000), ("79", 79),
    ("７９", 79), ("十", 10), ("一亿二千万", 120_000_000), ("十百千", None), ("零点五", None),
])
def test_to_int_reads_every_form_a_report_uses(text, expected):
    assert to_int(text) == expected


def test_a_decimal_with_a_unit_is_scaled_which_cn2an_alone_cannot_do():
    assert value("三点五亿") == 350_000_000
    assert value("一点二万") == pytest.approx(12_000)
    assert readings("三点五亿") == {350_000_000.0, 3.5}  # a claim may translate the unit: 3.5 (hundred million)
    assert readings("三万") == {30_000.0, 3.0}


def test_readings_of_the_five_year_plan_and_of_runs_that_are_no_numeral():
    assert readings("十四五") == {14.0, 5.0}
    assert readings("百") == {100.0}  # 百日攻坚: the character on its own
    assert readings("十百千") == {10.0, 100.0, 1000.0}


@pytest.mark.parametrize("text, expected", [("3", 3), ("03", 3), ("三", 3), ("十二", 12), ("二十六", 26),
                                            ("一二", None), ("十十", None), ("120", None)])
def test_small_number_is_a_month_or_day_as_written(text, expected):
    assert small_number(text) == expected


def test_one_date_pattern_with_the_dateline_marked():
    m = DATE.search("泸溪融媒1月9日讯")
    assert (m.group("m"), m.group("d"), m.group("dateline")) == ("1", "9", "讯")
    assert publication_date("来源：县政府办 发布时间：2021-01-09 20:06\n正文") .isoformat() == "2021-01-09"


@pytest.mark.parametrize("sentence, date, english", [
    ("各乡镇要于3月10日前完成摸底。", "2021-03-10", "by March 10"),
    ("三月十日前上报。", "2021-03-10", "by March 10"),
    ("2月底前完成。", "2021-02-28", "by the end of February"),
    ("2024年2月底前完成。", "2024-02-29", "by the end of February, 2024"),  # a leap year (calendar.isleap)
])
def test_deadlines_read_with_the_shared_numerals(sentence, date, english):
    found = find_deadline(sentence, 2021)
    assert found.date == date and found.text_en == english


def test_the_deadline_hint_marks_sentences_that_may_set_one():
    assert HINT.search("各乡镇要于3月10日前完成摸底") and HINT.search("每月报送进度") and HINT.search("年底前完成")
    assert not HINT.search("2021年3月1日召开县政府常务会议")

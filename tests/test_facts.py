"""Facts established without a model: meeting metadata, people, places.

Expected values are written by hand from the source texts in shared/seeds (read them
alongside), not copied from the tool's output.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarizer.errors import InputError
from summarizer.facts import establish_facts
from summarizer.facts.glossary import Glossary
from summarizer.facts.metadata import parse_ordinal, parse_term
from summarizer.facts.model import Facts, PersonFact, Rendering
from summarizer.facts.romanize import romanize_name, romanize_place
from summarizer.ingest import parse_text, read_report
from summarizer.zh.dates import find_dates, format_date
from summarizer.zh.numerals import to_int

from .conftest import seed


def doc_of(text: str):
    return parse_text(text, path=Path("crafted.txt"), sha256="0" * 64, encoding="utf-8")


def facts_of(text: str, glossary: Glossary) -> Facts:
    return establish_facts(doc_of(text), glossary)


def people(facts: Facts) -> dict[str, PersonFact]:
    return {p.name_zh: p for p in facts.people}


# ------------------------------------------------------------------ the five seed reports
@pytest.fixture(scope="module")
def seed_facts(glossary):
    cache: dict[str, Facts] = {}

    def get(prefix: str) -> Facts:
        if prefix not in cache:
            cache[prefix] = establish_facts(read_report(seed(prefix)), glossary)
        return cache[prefix]

    return get


# date, number, body_zh, body_en, kind, chair (zh, en, title_en)
SEED_MEETINGS = {
    # 1月8日 ... 主持召开县政府第87次常务会议; byline stamp 2021-01-09 gives the year
    "000": ("2021-01-08", 87, "县政府", "Luxi County People's Government", "executive_meeting",
            ("向恒林", "Xiang Henglin", "Deputy Secretary of the County Party Committee and County Head")),
    # 5月11日，縣委副書記、縣長劉銳主持召開縣政府第26次常務會議; (發布于:2024-05-13 09:02); 美丽濮阳县
    "001": ("2024-05-11", 26, "县政府", "Puyang County People's Government", "executive_meeting",
            ("刘锐", "Liu Rui", "Deputy Secretary of the County Party Committee and County Head")),
    # 集贤微言3月24日，县委书记战明秀…主持召开县委决战决胜脱贫攻坚暨农业农村和县域经济工作会议; no year anywhere
    "002": ("03-24", None, "县委", "Jixian County Party Committee", "work_conference",
            ("战明秀", "Zhan Mingxiu", "Secretary of the County Party Committee")),
    # 2021年2月25日,区长陈江主持召开区五届人民政府第79次常务会议; 东川区 in the text
    "003": ("2021-02-25", 79, "区人民政府", "Dongchuan District People's Government", "executive_meeting",
            ("陈江", "Chen Jiang", "District Head")),
    # 2月28日，山阳县召开脱贫攻坚暨农业农村工作视频会议 ... 县委常委、常务副县长曹艳萍主持会议
    "004": ("02-28", None, "山阳县", "Shanyang County", "work_conference",
            ("曹艳萍", "Cao Yanping",
             "Member of the Standing Committee of the County Party Committee and Executive Deputy County Head")),
}


@pytest.mark.parametrize("prefix", sorted(SEED_MEETINGS))
def test_seed_meeting(prefix, seed_facts):
    date, number, body_zh, body_en, kind, (chair_zh, chair_en, chair_title) = SEED_MEETINGS[prefix]
    facts = seed_facts(prefix)
    assert facts.date == date
    assert facts.number == number
    assert facts.body_zh == body_zh
    assert facts.body_en == body_en
    assert facts.kind == kind
    assert facts.chair is not None
    assert (facts.chair.name_zh, facts.chair.name_en, facts.chair.title_en) == (chair_zh, chair_en, chair_title)
    assert facts.chair.role == "chair"
    assert [p.name_zh for p in facts.people if p.role == "chair"] == [chair_zh]


# everyone named in each report: name_zh -> (name_en, title_en, role)
SEED_PEOPLE = {
    "000": {
        "向恒林": ("Xiang Henglin", "Deputy Secretary of the County Party Committee and County Head", "chair"),
        "习近平": ("Xi Jinping", "General Secretary", "mentioned"),
        "周丹": ("Zhou Dan", "Fourth-level Researcher", "attendee"),  # 县政府四级调研员周丹列席会议
    },
    "001": {
        "刘锐": ("Liu Rui", "Deputy Secretary of the County Party Committee and County Head", "chair"),
        # 縣領導楊道剛、王子寧、袁紀彬、王相卿，…李繼忠出席會議。縣領導許建勛、黃德慶…列席會議。
        "杨道刚": ("Yang Daogang", "County Leader", "attendee"),
        "王子宁": ("Wang Zining", "County Leader", "attendee"),
        "袁纪彬": ("Yuan Jibin", "County Leader", "attendee"),
        "王相卿": ("Wang Xiangqing", "County Leader", "attendee"),
        "李继忠": ("Li Jizhong", "Secretary of the Party Working Committee of the County Advanced "
                              "Manufacturing Development Zone", "attendee"),
        "许建勋": ("Xu Jianxun", "County Leader", "attendee"),
        "黄德庆": ("Huang Deqing", "County Leader", "attendee"),
        "习近平": ("Xi Jinping", "General Secretary", "mentioned"),
    },
    "002": {
        "战明秀": ("Zhan Mingxiu", "Secretary of the County Party Committee", "chair"),
        "习近平": ("Xi Jinping", "General Secretary", "mentioned"),
        # 县委副书记、县长郭伟出席会议并对我县近期重点工作做了安排部署
        "郭伟": ("Guo Wei", "Deputy Secretary of the County Party Committee and County Head", "speaker"),
        # 县领导杜朝野、刘继清、赵建华、张晖在常委会议室参加会议
        "杜朝野": ("Du Chaoye", "County Leader", "attendee"),
        "刘继清": ("Liu Jiqing", "County Leader", "attendee"),
        "赵建华": ("Zhao Jianhua", "County Leader", "attendee"),
        "张晖": ("Zhang Hui", "County Leader", "attendee"),
    },
    "003": {
        "陈江": ("Chen Jiang", "District Head", "chair"),
        "习近平": ("Xi Jinping", "General Secretary", "mentioned"),
        "李顺朝": ("Li Shunchao", "Deputy District Head", "assignee"),  # 四是李顺朝副区长牵区扶贫办
        "颜静": ("Yan Jing", "Deputy District Head", "assignee"),  # 五是颜静副区长牵区人社局
        "赵国明": ("Zhao Guoming", "Deputy District Head", "assignee"),  # 请赵国明副区长牵头
        "黄杰": ("Huang Jie", "Deputy Secretary", "assignee"),  # 由黄杰副书记担任分指挥长
        "黄大龙": ("Huang Dalong", "Deputy District Head", "assignee"),  # 黄大龙副区长担任副分指挥长
    },
    "004": {
        "习近平": ("Xi Jinping", "General Secretary", "mentioned"),
        "张国瑜": ("Zhang Guoyu", "Secretary of the County Party Committee", "speaker"),  # 出席会议并讲话
        "曹艳萍": ("Cao Yanping", "Member of the Standing Committee of the County Party Committee and "
                              "Executive Deputy County Head", "chair"),
    },
}


@pytest.mark.parametrize("prefix", sorted(SEED_PEOPLE))
def test_seed_people(prefix, seed_facts):
    """Exactly these people, no one else (credits such as 钱继霖 or 张宗华 are boilerplate)."""
    found = {p.name_zh: (p.name_en, p.title_en, p.role) for p in seed_facts(prefix).people}
    assert found == SEED_PEOPLE[prefix]


def test_seed_people_details(seed_facts):
    assert people(seed_facts("000"))["周丹"].title_zh == "县政府四级调研员"
    assert people(seed_facts("000"))["向恒林"].title_zh == "县委副书记、县长"
    assert people(seed_facts("001"))["刘锐"].title_zh == "县委副书记、县长"  # Simplified, from 縣委副書記、縣長
    assert people(seed_facts("003"))["李顺朝"].title_zh == "副区长"
    assert people(seed_facts("004"))["张国瑜"].title_zh == "县委书记"
    # every sentence naming the person is listed
    assert people(seed_facts("002"))["战明秀"].sentence_ids[0] == 1
    assert len(people(seed_facts("002"))["战明秀"].sentence_ids) >= 6  # 战明秀强调 / 要求 ...


def test_seed_term_year_and_place(seed_facts):
    assert seed_facts("003").term == 5  # 区五届人民政府
    assert seed_facts("000").year == 2021
    assert seed_facts("002").year is None  # no year in the report: none invented
    assert seed_facts("004").year is None
    assert (seed_facts("002").place.zh, seed_facts("002").place.en) == ("集贤县", "Jixian County")


SEED_PLACES = {
    "000": {"泸溪县": "Luxi County", "泸溪": "Luxi", "湖南省": "Hunan Province"},
    "001": {"濮阳县": "Puyang County"},
    "002": {"集贤": "Jixian"},
    "003": {"贵州省": "Guizhou Province", "云南省": "Yunnan Province", "东川区": "Dongchuan District",
            "东川": "Dongchuan"},
    "004": {"山阳县": "Shanyang County", "山阳": "Shanyang", "北京": "Beijing", "湖北": "Hubei"},
}


@pytest.mark.parametrize("prefix", sorted(SEED_PLACES))
def test_seed_places(prefix, seed_facts):
    assert {r.zh: r.en for r in seed_facts(prefix).places} == SEED_PLACES[prefix]


def test_seed_terms_include_titles_and_glossary(seed_facts):
    terms = {r.zh: r.en for r in seed_facts("003").terms}
    assert terms["区人民政府"] == "Dongchuan District People's Government"  # the body, not the generic term
    assert terms["常务会议"] == "executive meeting"
    assert terms["副区长"] == "Deputy District Head"
    assert terms["区长"] == "District Head"
    assert terms["中央一号文件"] == "No. 1 central document"
    terms = {r.zh: r.en for r in seed_facts("000").terms}
    assert terms["县委副书记"] == "Deputy Secretary of the County Party Committee"
    assert terms["县长"] == "County Head"
    assert terms["新冠肺炎"] == "COVID-19"


# ------------------------------------------------------------------ surnames
@pytest.mark.parametrize("text, name_zh, name_en", [
    ("副县长单雄信主持召开县政府第5次常务会议。", "单雄信", "Shan Xiongxin"),
    ("县长曾国强出席会议并讲话。", "曾国强", "Zeng Guoqiang"),
    ("区长尉迟明主持会议。", "尉迟明", "Yuchi Ming"),
    ("副区长解小东出席会议。", "解小东", "Xie Xiaodong"),
    ("县委书记仇和平出席会议。", "仇和平", "Qiu Heping"),
    ("副县长朴正浩出席会议。", "朴正浩", "Piao Zhenghao"),
    ("区长区伟出席会议。", "区伟", "Ou Wei"),
    ("副市长查建国出席会议。", "查建国", "Zha Jianguo"),
    ("县长乐天宇出席会议。", "乐天宇", "Yue Tianyu"),
    ("县委副书记覃振华出席会议。", "覃振华", "Qin Zhenhua"),
    ("副县长盖玉兰出席会议。", "盖玉兰", "Ge Yulan"),
    ("副县长缪文杰出席会议。", "缪文杰", "Miao Wenjie"),
    ("县长万俟雄出席会议。", "万俟雄", "Moqi Xiong"),
    ("副区长长孙平出席会议。", "长孙平", "Zhangsun Ping"),
    ("县委书记令狐红出席会议。", "令狐红", "Linghu Hong"),
    ("副县长欧阳春出席会议。", "欧阳春", "Ouyang Chun"),
    ("副市长禤永明出席会议。", "禤永明", "Xuan Yongming"),  # Guangdong and Guangxi
    ("副区长植建新出席会议。", "植建新", "Zhi Jianxin"),
    ("副县长甯志红出席会议。", "甯志红", "Ning Zhihong"),
])
def test_surname_readings_in_context(text, name_zh, name_en, glossary):
    found = people(facts_of(text, glossary))
    assert list(found) == [name_zh]
    assert found[name_zh].name_en == name_en


@pytest.mark.parametrize("name, expected", [
    ("向恒林", "Xiang Henglin"), ("曹艳萍", "Cao Yanping"), ("习近平", "Xi Jinping"),
    ("司马光", "Sima Guang"), ("诸葛亮", "Zhuge Liang"), ("上官婉儿", "Shangguan Wan'er"),
    ("皇甫明", "Huangfu Ming"), ("东方红", "Dongfang Hong"), ("夏侯惇", "Xiahou Dun"),
    ("吕强", "Lü Qiang"),
])
def test_romanize_name(name, expected):
    assert romanize_name(name) == expected


def test_user_glossary_person_overrides_romanization(tmp_path):
    path = tmp_path / "g.tsv"
    path.write_text("单雄信\tSin Hung-shun\tperson\n", encoding="utf-8")
    assert romanize_name("单雄信", Glossary.load([path])) == "Sin Hung-shun"


# ------------------------------------------------------------------ titles and roles
def test_name_before_title_and_assignee(glossary):
    facts = facts_of("会议要求，一是请王建国副县长牵头抓好秸秆禁烧。二是由张华副书记负责督查。"
                     "三是李明副县长配合。", glossary)
    found = people(facts)
    assert set(found) == {"王建国", "张华", "李明"}
    assert found["王建国"].title_en == "Deputy County Head" and found["王建国"].role == "assignee"
    assert found["张华"].title_en == "Deputy Secretary" and found["张华"].role == "assignee"


def test_list_after_title_shares_the_title(glossary):
    found = people(facts_of("副区长查文、乐天、朴正熙和仇英出席会议。", glossary))
    assert list(found) == ["查文", "乐天", "朴正熙", "仇英"]
    assert {p.title_en for p in found.values()} == {"Deputy District Head"}
    assert {p.role for p in found.values()} == {"attendee"}


def test_passive_chair_and_speaker(glossary):
    facts = facts_of("1月5日，平江县委书记张卫东主持召开县委常委会会议。张卫东强调，要抓好落实。"
                     "会议传达学习了省委书记王宁在全省经济工作会议上的讲话精神。", glossary)
    assert facts.chair.name_zh == "张卫东"
    assert facts.kind == "standing_committee"
    assert facts.body_en == "Standing Committee of the Pingjiang County Party Committee"
    assert people(facts)["王宁"].role == "mentioned"  # a speech relayed, not given at this meeting


@pytest.mark.parametrize("title, title_en", [
    ("区委副书记、代区长", "Deputy Secretary of the District Party Committee and Acting District Head"),
    ("区委副书记、代理区长", "Deputy Secretary of the District Party Committee and Acting District Head"),
    ("镇党委副书记、代理镇长", "Deputy Secretary of the Town Party Committee and Acting Town Head"),
    ("市委副书记、代市长", "Deputy Secretary of the Municipal Party Committee and Acting Mayor"),
])
def test_acting_titles_are_whole_and_keep_acting(title, title_en, glossary):
    facts = facts_of(f"3月2日，{title}欧阳明主持召开第5次常务会议。", glossary)
    assert facts.chair.name_zh == "欧阳明" and facts.chair.title_zh == title
    assert facts.chair.title_en == title_en


def test_chair_is_who_presides_not_who_speaks(glossary):
    facts = facts_of("3月2日，县委书记韦华出席会议并讲话，县委常委、常务副县长高明主持会议。", glossary)
    assert facts.chair.name_zh == "高明"
    assert facts.chair.title_en == ("Member of the Standing Committee of the County Party Committee "
                                    "and Executive Deputy County Head")
    assert people(facts)["韦华"].role == "speaker"


def test_national_leaders_are_only_mentioned(glossary):
    facts = facts_of("习近平总书记多次主持召开政治局常委会会议。县长李强主持会议。", glossary)
    assert people(facts)["习近平"].role == "mentioned"
    assert people(facts)["习近平"].name_en == "Xi Jinping"
    assert facts.chair.name_zh == "李强"


NO_PEOPLE = [
    "会议指出，各级各部门要高度重视安全生产工作，全县上下要齐抓共管，确保不发生重大事故。",
    "会议要求，各乡镇、各部门要切实履行属地责任，县委书记要亲自抓、负总责，副书记要具体抓。",
    "区长要求各部门高度重视，严格落实区人民政府党组全面从严治党政治责任。",
    "要充分发挥龙头企业作用，增加村集体收入，不断壮大村级集体产业，推进乡村振兴。",
    "方案要求，文件指出，程序要求，安全要求，管理要求，单位要求，任务要求。",
    "会议由县政府办主持，各乡镇主要负责人出席会议，县直各部门负责人列席会议。",
]


@pytest.mark.parametrize("text", NO_PEOPLE)
def test_no_false_people(text, glossary):
    facts = facts_of(text, glossary)
    assert facts.people == []
    assert facts.chair is None


def test_words_never_names(glossary):
    facts = facts_of("各级各部门要认真落实。全县上下齐心协力。会议强调，要抓好落实。", glossary)
    names = {p.name_zh for p in facts.people}
    assert not names & {"各级", "全县", "会议"}


# ------------------------------------------------------------------ meeting numbers and dates
@pytest.mark.parametrize("text, number", [
    ("第87次", 87), ("第二十六次", 26), ("2018年第八次", 8), ("五届人民政府第79次", 79),
    ("第一百零三次", 103), ("第十次", 10), ("区委第十一次全会", 11), ("第２次", 2),
])
def test_parse_ordinal(text, number):
    assert parse_ordinal(text) == number


def test_parse_ordinal_none():
    assert parse_ordinal("召开常务会议") is None


def test_parse_term_and_numerals():
    assert parse_term("区五届人民政府") == 5
    assert parse_term("十四届县委") == 14
    assert to_int("二〇二一") == 2021
    assert to_int("两") == 2


@pytest.mark.parametrize("text, number, year", [
    ("县委书记张卫东主持召开2018年第八次县委常委会会议。", 8, 2018),
    ("2018年第八次县委常委会会议于3月5日召开，县委书记覃明主持会议。", 8, 2018),
])
def test_ordinal_year_is_year_context(text, number, year, glossary):
    facts = facts_of(text, glossary)
    assert facts.number == number
    assert facts.year == year


def test_dates_with_and_without_year():
    hits = find_dates("泸溪融媒1月9日讯1月8日,县长主持召开会议。2021年2月25日。二〇二一年三月五日。")
    assert [(h.year, h.month, h.day, h.dateline) for h in hits] == [
        (None, 1, 9, True), (None, 1, 8, False), (2021, 2, 25, False), (2021, 3, 5, False)]
    assert format_date(2, 25, 2021) == "2021-02-25"
    assert format_date(3, 24) == "03-24"
    assert find_dates("2月30日") == []


@pytest.mark.parametrize("text, date", [
    ("2021年2月25日,区长陈江主持召开区五届人民政府第79次常务会议。", "2021-02-25"),
    ("3月24日，县委书记战明秀主持召开县委工作会议。", "03-24"),  # no year: none invented
    ("泸溪融媒1月9日讯1月8日,县长向恒林主持召开县政府第87次常务会议。", "01-08"),  # not the dateline
])
def test_meeting_date(text, date, glossary):
    assert facts_of(text, glossary).date == date


def test_year_from_publication_stamp(glossary):
    facts = facts_of("来源:县政府办 2021-01-09 20:06:31\n1月8日,县长向恒林主持召开县政府第87次常务会议。", glossary)
    assert facts.date == "2021-01-08"
    # a meeting late in December reported early in January belongs to the year before
    facts = facts_of("(发布于:2021-01-02 09:02)\n12月30日，县长向恒林主持召开县政府第9次常务会议。", glossary)
    assert facts.date == "2020-12-30"


# ------------------------------------------------------------------ bodies and kinds
@pytest.mark.parametrize("text, body_zh, body_en, kind", [
    ("县长王明主持召开县政府第3次常务会议。", "县政府", "County People's Government", "executive_meeting"),
    ("泸溪县人民政府召开第3次常务会议。", "泸溪县人民政府", "Luxi County People's Government", "executive_meeting"),
    ("市委书记王明主持召开市委常委会会议。", "市委常委会", "Standing Committee of the Municipal Party Committee",
     "standing_committee"),
    ("3月2日，县委理论学习中心组举行2021年第一次集体学习。", "县委理论学习中心组",
     "Theoretical Study Group of the County Party Committee", "study_session"),
    ("区长王明主持召开区政府第二次全体会议。", "区政府", "District People's Government", "plenary_meeting"),
    ("山阳县召开脱贫攻坚推进会。", "山阳县", "Shanyang County", "work_conference"),
])
def test_body_and_kind(text, body_zh, body_en, kind, glossary):
    facts = facts_of(text, glossary)
    assert (facts.body_zh, facts.body_en, facts.kind) == (body_zh, body_en, kind)


def test_meeting_room_is_not_a_kind(glossary):
    # 常委会议室 is a room; the meeting is a work conference
    facts = facts_of("县委书记李明在县委常委会议室主持召开全县安全生产工作会议。", glossary)
    assert facts.kind == "work_conference"


# ------------------------------------------------------------------ places
@pytest.mark.parametrize("zh, en", [
    ("泸溪县", "Luxi County"), ("陕西省", "Shaanxi Province"), ("山西省", "Shanxi Province"),
    ("濮阳县", "Puyang County"), ("东川区", "Dongchuan District"), ("山阳县", "Shanyang County"),
    ("集贤县", "Jixian County"), ("贵州省", "Guizhou Province"), ("云南省", "Yunnan Province"),
    ("湖南省", "Hunan Province"), ("湖北", "Hubei"), ("北京", "Beijing"), ("北京市", "Beijing"),
    ("内蒙古", "Inner Mongolia"), ("西藏", "Tibet"), ("香港", "Hong Kong"), ("澳门", "Macao"),
    ("湘西州", "Xiangxi Prefecture"), ("黑龙江省", "Heilongjiang Province"), ("六安市", "Lu'an City"),
    ("蚌埠市", "Bengbu City"), ("丽水市", "Lishui City"), ("长治市", "Changzhi City"), ("乐清市", "Yueqing City"),
    ("西安市", "Xi'an City"), ("单县", "Shan County"), ("景德镇市", "Jingdezhen"),
    ("广西壮族自治区", "Guangxi Zhuang Autonomous Region"), ("朝阳区", "Chaoyang District"),
    ("城关镇", "Chengguan Town"), ("红星村", "Hongxing Village"), ("石桥乡", "Shiqiao Township"),
    ("新华街道", "Xinhua Subdistrict"),
])
def test_romanize_place(zh, en):
    assert romanize_place(zh) == en


def test_places_found_in_text(glossary):
    facts = facts_of("县长王明赴陕西省和泸溪县考察，要求各乡镇加强城乡融合，长治久安。", glossary)
    assert {r.zh: r.en for r in facts.places} == {"陕西省": "Shaanxi Province", "泸溪县": "Luxi County"}


@pytest.mark.parametrize("text", [
    "主持召开县政府常务会议，根据区委要求，增加村集体收入，大抓村集体经济。",
    "全县上下、各乡镇、社区、园区、景区要落实责任，城乡一体，市场繁荣，全力打造茶叶区域品牌。",
])
def test_no_false_places(text, glossary):
    assert facts_of(text, glossary).places == []


# ------------------------------------------------------------------ annotate
def test_annotate_longest_match_once():
    facts = Facts(places=[Rendering("泸溪县", "Luxi County", "place"), Rendering("泸溪", "Luxi", "place")],
                  terms=[Rendering("县委", "county Party committee", "org"),
                         Rendering("县委副书记", "Deputy Secretary of the County Party Committee", "title")])
    text = "泸溪县委副书记向恒林说，泸溪茶叶好。"
    out = facts.annotate(text)
    assert out == ("泸溪县[Luxi County]委副书记向恒林说，泸溪[Luxi]茶叶好。")
    assert out.count("[") == 2
    assert facts.annotate(out) == out  # no double annotation


def test_annotate_prefers_longer_terms():
    facts = Facts(terms=[Rendering("民生", "people's wellbeing", "term"),
                         Rendering("民生实事", "livelihood projects", "term")])
    assert facts.annotate("民生实事和民生") == "民生实事[livelihood projects]和民生[people's wellbeing]"


def test_annotate_without_renderings():
    assert Facts().annotate("没有术语") == "没有术语"


def test_english_documents_get_empty_facts(glossary):
    doc = doc_of("The county government held its 87th executive meeting on January 8. "
                 "County Head Xiang Henglin presided over the meeting.")
    assert establish_facts(doc, glossary) == Facts()


# ------------------------------------------------------------------ robustness
_PIECES = ["县长", "副区长", "县委书记", "主持", "召开", "会议", "出席", "强调", "、", "，", "。", "第", "次", "常务",
           "县政府", "区", "县", "市", "村", "王", "李", "单", "曾", "区", "欧阳", "明", "华", "国", "强", "和", "及",
           "请", "由", "牵头", "2021年", "3月", "5日", "二十六", "泸溪", "山阳", "全县", "各级", "\n", "讯", "同志"]
_HAN = re.compile(r"[\u3400-\u9fff]")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(st.sampled_from(_PIECES), min_size=3, max_size=60))
def test_any_text_gives_english_only_renderings(pieces, glossary):
    try:
        facts = facts_of("".join(pieces), glossary)
    except InputError:
        return
    english = [facts.body_en, *(r.en for r in facts.renderings())]
    english += [x for p in facts.people for x in (p.name_en, p.title_en)]
    assert not any(e and _HAN.search(e) for e in english)
    assert facts.date is None or re.fullmatch(r"(\d{4}-)?\d{2}-\d{2}", facts.date)
    assert [p.role for p in facts.people].count("chair") <= 1


# ---- forms none of the seeds use (found on the dev split; sentences written here, not copied)
def test_given_names_with_characters_that_also_stand_in_titles():
    for body, chair in [("区委书记马志勇主持会议并讲话。", "马志勇"), ("县委副书记、县长赖有常主持会议，县领导出席。", "赖有常"),
                        ("县长李庆同志主持召开会议。", "李庆")]:
        facts = establish_facts(doc_of("某区召开会议\n" + body + "会议研究了有关工作。"))
        assert facts.chair is not None and facts.chair.name_zh == chair, body


@pytest.mark.parametrize("text, number", [("区委常委、副区长谢明主持召开五届104次区政府常务会议。", 104),
                                          ("龙华召开区政府二届一三一次常务会议。", 131),
                                          ("2月18号，十七届县人民政府第80次常务会议召开。", 80)])
def test_meeting_numbers_in_every_form(text, number):
    facts = establish_facts(doc_of("某县召开会议\n" + text + "会议研究了有关工作。"))
    assert facts.number == number


def test_the_year_the_meeting_names_is_the_last_resort_for_a_date_without_one():
    facts = establish_facts(doc_of("我县召开动员会\n9月21日上午，我县召开2011年三秋工作动员会。会议部署了工作。"))
    assert facts.date == "2011-09-21"


def test_a_verb_before_a_county_organ_is_not_a_place_and_long_names_are_whole():
    # 研究县政府 is 研究 (study) + 县政府; 督促县直单位 is 督促 (urge) + 县直单位: neither is a county
    facts = establish_facts(doc_of("县政府召开常务会议\n5月23日，县长主持召开县政府常务会议，研究县政府贯彻意见。"
                                   "会议要求督促县直单位抓好落实。"))
    assert facts.place is None and not [p for p in facts.places if p.zh in ("研究县", "督促县")]
    assert facts.body_en == "County People's Government"
    # a three-character county name is found whole: 英吉沙县, not 吉沙县
    facts = establish_facts(doc_of("英吉沙县人民政府召开常务会议\n4月8日，英吉沙县人民政府召开2024年第4次常务会议。"
                                   "会议研究了有关工作。"))
    assert facts.place is not None and facts.place.zh == "英吉沙县"
    assert facts.body_en == "Yingjisha County People's Government"


# ------------------------------------------------------------------ companies and common terms
def test_companies_are_rendered_by_the_tool_not_guessed(glossary):
    facts = facts_of("泸溪县人民政府召开常务会议。会议听取了泸溪县城投集团关于项目建设的汇报。会议要求，由县交通集团和"
                     "湘西金晟有限公司负责，各集团要抓好落实。国有企业集团要深化改革。会议同意湖南省建工集团的方案。",
                     glossary)
    companies = {r.zh: r.en for r in facts.terms if r.zh.endswith(("集团", "公司"))}
    assert companies == {
        "泸溪县城投集团": "Luxi County Chengtou Group",  # place romanized, the firm's own name in pinyin
        "县交通集团": "Luxi County Jiaotong Group",  # a bare level is the report's own county
        "湘西金晟有限公司": "Xiangxi Jincheng Co., Ltd.",
        "湖南省建工集团": "Hunan Province Jiangong Group",  # starts at the place, not at 会议同意
    }  # 各集团 and 国有企业集团 are not companies
    assert "泸溪县城投集团[Luxi County Chengtou Group]" in facts.annotate("会议听取了泸溪县城投集团的汇报。")


@pytest.mark.parametrize("zh, en", [("各战线", "all sectors"), ("为民办实事", "deliver practical benefits for the people"),
                                    ("实事", "practical matters")])
def test_terms_small_models_mistranslate_have_renderings(zh, en, glossary):
    facts = facts_of(f"县政府召开常务会议。会议要求，{zh}要抓好。", glossary)
    assert f"{zh}[{en}]" in facts.annotate(f"会议要求，{zh}要抓好。")


def test_given_names_with_qi_and_a_name_before_guanyu(glossary):
    # seen on dev: 梁其明 was dropped (其 counted as a function word), so the model's correct
    # "Liang Qiming" was flagged as invented; 梁明关于 read as the name 梁明关
    found = people(facts_of("会议听取了斗门生态环境分局局长梁其明同志关于责任清单的情况汇报。"
                            "区发改局局长王明关于项目的汇报。", glossary))
    assert set(found) == {"梁其明", "王明"} and found["梁其明"].name_en == "Liang Qiming"

"""The glossary and the data tables behind names, titles and places."""

from __future__ import annotations

import re

import pytest

from summarizer.errors import UserError
from summarizer.facts.glossary import KINDS, Glossary, levels
from summarizer.facts.romanize import known_places, surnames

HAN = re.compile(r"[\u3400-\u9fff]")


# ------------------------------------------------------------------ packaged glossary
def test_packaged_glossary_size_and_shape(glossary):
    assert len(glossary) >= 150
    for entry in glossary.entries:
        assert HAN.search(entry.zh), entry
        assert entry.en and not HAN.search(entry.en), entry
        assert entry.kind in KINDS, entry
        assert all(v and not HAN.search(v) for v in entry.variants), entry


@pytest.mark.parametrize("zh, en", [
    ("常务会议", "executive meeting"), ("脱贫攻坚", "poverty alleviation"), ("乡村振兴", "rural revitalization"),
    ("安全生产", "work safety"), ("民生实事", "livelihood projects"), ("人大代表", "people's congress deputies"),
    ("督查", "inspection"), ("牵头", "lead"), ("配合", "assist"),
    ("党政同责", "joint responsibility of Party and government"),
    ("一岗双责", "dual responsibilities for one post"), ("新冠肺炎", "COVID-19"),
    ("疫情防控", "epidemic prevention and control"), ("春节", "Spring Festival"),
    ("三农", "agriculture, rural areas and farmers"), ("高质量发展", "high-quality development"),
    ("新质生产力", "new quality productive forces"), ("西部大开发", "Western Development"),
    ("扫黑除恶", "campaign against organized crime"), ("形式主义", "formalism"), ("官僚主义", "bureaucratism"),
    ("中央一号文件", "No. 1 central document"), ("易地扶贫搬迁", "poverty-alleviation relocation"),
    ("发展改革局", "development and reform bureau"), ("财政局", "finance bureau"),
    ("人社局", "human resources and social security bureau"), ("扶贫办", "poverty alleviation office"),
    ("督查室", "inspection office"), ("政府办", "government office"), ("招商引资", "investment promotion"),
    ("复工复产", "resumption of work and production"), ("秸秆禁烧", "straw burning ban"),
])
def test_standard_renderings(glossary, zh, en):
    assert glossary.get(zh).en == en


def test_variants(glossary):
    assert "supervision" in glossary.get("督查").variants


def test_find_longest_match_no_nested_entries(glossary):
    found = [r.zh for r in glossary.find("民生实事项目人大代表票决制，春节期间疫情防控，新冠肺炎。")]
    assert found[0] == "民生实事项目人大代表票决制"
    assert "民生实事" not in found and "人大代表" not in found and "人大" not in found  # only inside the longer one
    assert found[1:] == ["春节", "疫情防控", "新冠肺炎"]


def test_find_reports_an_entry_that_also_stands_alone(glossary):
    found = [r.zh for r in glossary.find("民生实事要办好，保障和改善民生。")]
    assert found == ["民生实事", "民生"]


def test_find_is_deterministic_and_ordered(glossary):
    text = "脱贫攻坚、乡村振兴、脱贫攻坚、三农"
    first = glossary.find(text)
    assert first == glossary.find(text)
    assert [r.zh for r in first] == ["脱贫攻坚", "乡村振兴", "三农"]


def test_find_titles_of_three_or_more_characters_only(glossary):
    found = {r.zh: r for r in glossary.find("副区长要求，园区长效机制要建立。")}
    assert found["副区长"].en == "Deputy District Head" and found["副区长"].kind == "title"
    assert "区长" not in found


# ------------------------------------------------------------------ titles
@pytest.mark.parametrize("zh, en", [
    ("县长", "County Head"), ("副县长", "Deputy County Head"), ("常务副县长", "Executive Deputy County Head"),
    ("县委书记", "Secretary of the County Party Committee"),
    ("县委副书记", "Deputy Secretary of the County Party Committee"),
    ("县委常委", "Member of the Standing Committee of the County Party Committee"),
    ("区长", "District Head"), ("副区长", "Deputy District Head"), ("四级调研员", "Fourth-level Researcher"),
    ("副书记", "Deputy Secretary"), ("镇长", "Town Head"), ("乡长", "Township Head"), ("市长", "Mayor"),
    ("局长", "Director"), ("市委书记", "Secretary of the Municipal Party Committee"),
    ("县委副书记、县长", "Deputy Secretary of the County Party Committee and County Head"),
    ("县委常委、常务副县长",
     "Member of the Standing Committee of the County Party Committee and Executive Deputy County Head"),
    ("县财政局局长", "Director of the County Finance Bureau"),
    ("县委宣传部部长", "Head of the Publicity Department of the County Party Committee"),
    ("县政府四级调研员", "Fourth-level Researcher"),
])
def test_render_title(glossary, zh, en):
    assert glossary.render_title(zh) == en


def test_unknown_title_is_not_half_rendered(glossary):
    assert glossary.render_title("县长、总工程师助理") is None


def test_deputy_executive_acting_never_dropped(glossary):
    for zh, title in glossary._titles.items():
        if zh.startswith("副") or "委副" in zh or zh.endswith(("副主任", "副书记", "副主席")):
            assert re.search(r"\b(Deputy|Vice)\b", title.en), (zh, title.en)
        if "常务副" in zh:
            assert "Executive" in title.en, (zh, title.en)
        if zh.startswith("代"):
            assert "Acting" in title.en, (zh, title.en)


def test_title_scopes(glossary):
    assert glossary.is_national("总书记")
    assert not glossary.is_national("县委书记")
    assert glossary.is_group("县领导")
    assert not glossary.is_group("县委副书记、县长")


# ------------------------------------------------------------------ user glossary files
def write(tmp_path, text: str, name: str = "mine.tsv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_entries_add_and_override(tmp_path):
    path = write(tmp_path, "# my terms\nzh\ten\tkind\tvariants\tnote\n"
                           "督查\tsupervision\tterm\tinspection\n"
                           "茶叶产业\ttea industry\n"
                           "副区长\tVice District Head\ttitle\n"
                           "集贤\tJixian\tplace\n")
    glossary = Glossary.load(extra_files=[path])
    assert glossary.get("督查").en == "supervision"
    assert glossary.get("督查").variants == ("inspection",)
    assert glossary.get("茶叶产业").kind == "term"  # kind defaults to term
    assert glossary.render_title("副区长") == "Vice District Head"
    assert [r.en for r in glossary.find("茶叶产业督查")] == ["tea industry", "supervision"]
    assert Glossary.load().get("督查").en == "inspection"  # the packaged glossary is untouched


def test_later_user_files_win(tmp_path):
    first = write(tmp_path, "督查\tchecks\n", "a.tsv")
    second = write(tmp_path, "督查\toversight\n", "b.tsv")
    assert Glossary.load(extra_files=[first, second]).get("督查").en == "oversight"


def test_traditional_user_entries_are_simplified(tmp_path):
    path = write(tmp_path, "縣長\tCounty Head\ttitle\n")
    assert Glossary.load(extra_files=[path]).get("县长") is not None


@pytest.mark.parametrize("text, line, fragment", [
    ("督查 inspection\n", 1, "found no tab"),
    ("茶叶\ttea\n督查\tinspection\tterms\n", 2, "unknown kind 'terms'"),
    ("督查\t督导\n", 1, "contains Chinese characters"),
    ("inspection\t督查\n", 1, "first column must be the Chinese term"),
    ("督查\t\tterm\n", 1, "has no English rendering"),
    ("督查\tinspection\n# comment\n督查\tsupervision\n", 3, "already defined on line 1"),
    ("督查\ta\tterm\tb\tc\td\n", 1, "at most 5 expected"),
])
def test_bad_user_glossary(tmp_path, text, line, fragment):
    path = write(tmp_path, text)
    with pytest.raises(UserError) as info:
        Glossary.load(extra_files=[path])
    message = str(info.value)
    assert str(path) in message
    assert f"line {line}:" in message
    assert fragment in message
    assert info.value.hint  # says what to fix


def test_missing_and_undecodable_glossary_files(tmp_path):
    with pytest.raises(UserError, match="not found"):
        Glossary.load(extra_files=[tmp_path / "nope.tsv"])
    bad = tmp_path / "latin1.tsv"
    bad.write_bytes("督查\tinspection\n".encode("gb18030"))
    with pytest.raises(UserError, match="not UTF-8"):
        Glossary.load(extra_files=[bad])


# ------------------------------------------------------------------ the other tables
@pytest.mark.parametrize("zh, en", [
    ("单", "Shan"), ("曾", "Zeng"), ("解", "Xie"), ("仇", "Qiu"), ("朴", "Piao"), ("区", "Ou"), ("查", "Zha"),
    ("乐", "Yue"), ("覃", "Qin"), ("尉迟", "Yuchi"), ("盖", "Ge"), ("缪", "Miao"), ("万俟", "Moqi"),
    ("长孙", "Zhangsun"), ("令狐", "Linghu"), ("欧阳", "Ouyang"), ("司马", "Sima"), ("诸葛", "Zhuge"),
    ("上官", "Shangguan"), ("皇甫", "Huangfu"), ("东方", "Dongfang"), ("夏侯", "Xiahou"),
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("战", "Zhan"), ("习", "Xi"),
])
def test_surname_table(zh, en):
    assert surnames()[zh] == en


def test_surname_table_leaves_out_word_characters():
    # rare surnames that are everyday words would make names of 全县, 山阳, 时间 ...
    for ch in "全时国山水各会":
        assert ch not in surnames()


def test_places_and_levels_tables():
    assert known_places()["陕西"].en == "Shaanxi"
    assert known_places()["长治"].bare is False  # 长治久安
    assert known_places()["北京"].city is True
    assert levels()["县"].noun == "County"
    assert levels()["市"].adjective == "Municipal"
    assert list(levels())[0] in ("自治区", "自治州", "自治县")  # longest suffixes first

"""Eval datasets: a small hand-made dataset builder (shared by the eval tests) and `eval validate`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from summarizer.evaluate.cases import dataset_hash, load_dataset, validate
from summarizer.evaluate.cli import eval_app

LUXI = """泸溪县政府召开第87次常务会议

2021年1月8日，县长向恒林主持召开县政府第87次常务会议，研究安全生产和茶叶产业工作。

会议指出，今年全县安全生产总体保持稳定态势。会议要求，县应急管理局要在1月31日前完成全县安全隐患排查。

会议强调，要大力发展茶叶产业，全县新增茶园面积5000亩。县农业农村局要每月调度茶叶产业建设进度。
"""

LUXI_REF = {
    "summary": ("Luxi County head Xiang Henglin chaired the county government's 87th executive meeting on "
                "January 8, 2021, which discussed work safety and the tea industry. The meeting noted that work "
                "safety across the county has remained generally stable this year, and required the county "
                "Emergency Management Bureau to finish a county-wide inspection of safety hazards by January 31. "
                "It stressed vigorous development of the tea industry, with 5,000 mu of new tea gardens to be "
                "added county-wide, and asked the Agriculture and Rural Affairs Bureau to track progress on tea "
                "industry construction every month."),
    "meeting": {"body_en": "Luxi County People's Government", "kind": "executive_meeting", "number": 87,
                "date": "2021-01-08", "chair": {"name_zh": "向恒林", "name_en": "Xiang Henglin",
                                                "title_en": "County Head"}},
    "key_facts": [
        {"id": "f1", "fact": "County head Xiang Henglin chaired the 87th executive meeting.",
         "evidence_zh": "县长向恒林主持召开县政府第87次常务会议", "keywords": ["Xiang Henglin", "87"]},
        {"id": "f2", "fact": "The Emergency Management Bureau must finish the safety hazard inspection by January 31.",
         "evidence_zh": "县应急管理局要在1月31日前完成全县安全隐患排查", "keywords": ["January 31", "hazard"]},
        {"id": "f3", "fact": "5,000 mu of new tea gardens will be added.",
         "evidence_zh": "全县新增茶园面积5000亩", "keywords": ["5,000", "tea"], "importance": "supporting"},
    ],
    "actions": [
        {"id": "a1", "owner_en": "County Emergency Management Bureau", "owner_zh": "县应急管理局",
         "task_en": "Complete a county-wide inspection of safety hazards.",
         "deadline": {"text_en": "by January 31", "date": "2021-01-31"},
         "evidence_zh": "会议要求，县应急管理局要在1月31日前完成全县安全隐患排查。"},
        {"id": "a2", "owner_en": "County Agriculture and Rural Affairs Bureau", "owner_zh": "县农业农村局",
         "task_en": "Track progress on tea industry construction.",
         "deadline": {"text_en": "every month", "recurrence": "monthly"},
         "evidence_zh": "县农业农村局要每月调度茶叶产业建设进度。"},
    ],
    "review": {"written_by": "test", "checked_by": "test", "method": "hand-made for the tests", "date": "2024-01-01"},
}

SCHOOLS = """县政府召开第12次常务会议

2021年3月2日，县长李明主持召开县政府第12次常务会议。

会议要求，县教育局要在4月30日前完成全县校舍安全检查。会议强调，县卫生健康局要每周报告疫情防控情况。
"""

SCHOOLS_REF = {
    "summary": ("County head Li Ming chaired the county government's 12th executive meeting on March 2, 2021. "
                "The meeting required the county Education Bureau to complete safety inspections of all school "
                "buildings in the county by April 30, so that unsafe buildings are found and repaired before the "
                "next term. It also stressed epidemic prevention and control, and asked the county Health "
                "Commission to report on the epidemic prevention and control situation every week, keeping the "
                "county government informed of any change in the situation."),
    "meeting": {"kind": "executive_meeting", "number": 12, "date": "2021-03-02",
                "chair": {"name_zh": "李明", "name_en": "Li Ming"}},
    "key_facts": [
        {"id": "f1", "fact": "School buildings must be inspected by April 30.",
         "evidence_zh": "县教育局要在4月30日前完成全县校舍安全检查", "keywords": ["April 30", "school"]},
        {"id": "f2", "fact": "The Health Commission reports on epidemic prevention every week.",
         "evidence_zh": "县卫生健康局要每周报告疫情防控情况", "keywords": ["week", "epidemic"]},
    ],
    "actions": [
        {"id": "a1", "owner_en": "County Education Bureau", "owner_zh": "县教育局",
         "task_en": "Complete safety inspections of all school buildings.",
         "deadline": {"text_en": "by April 30", "date": "2021-04-30"},
         "evidence_zh": "会议要求，县教育局要在4月30日前完成全县校舍安全检查。"},
        {"id": "a2", "owner_en": "County Health Commission", "owner_zh": "县卫生健康局",
         "task_en": "Report on epidemic prevention and control.",
         "deadline": {"text_en": "every week", "recurrence": "weekly"},
         "evidence_zh": "会议强调，县卫生健康局要每周报告疫情防控情况。"},
    ],
    "review": {"written_by": "test", "checked_by": "test", "method": "hand-made for the tests", "date": "2024-01-01"},
}

CASES = {"luxi-87": (LUXI, LUXI_REF), "schools-12": (SCHOOLS, SCHOOLS_REF)}


def make_dataset(root: Path, cases: dict | None = None, name: str = "mini") -> Path:
    """A dataset folder with hand-made cases (report text, reference dict)."""
    path = root / name
    path.mkdir(parents=True)
    (path / "dataset.toml").write_text(f'name = "{name}"\ndescription = "hand-made test cases"\n', encoding="utf-8")
    for case_id, (report, reference) in (cases or CASES).items():
        (path / case_id).mkdir()
        (path / case_id / "report.txt").write_text(report, encoding="utf-8")
        (path / case_id / "reference.json").write_text(json.dumps(reference, ensure_ascii=False, indent=2),
                                                       encoding="utf-8")
    return path


def edit_reference(path: Path, case: str, change) -> None:
    file = path / case / "reference.json"
    data = json.loads(file.read_text(encoding="utf-8"))
    change(data)
    file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


# ------------------------------------------------------------------ tests
def test_a_good_dataset_validates(tmp_path):
    path = make_dataset(tmp_path)
    result = validate(path)
    assert result.ok, result.errors
    assert [c.id for c in result.dataset.cases] == ["luxi-87", "schools-12"]
    assert result.dataset.name == "mini"
    run = CliRunner().invoke(eval_app, ["validate", str(path)])
    assert run.exit_code == 0, run.output
    assert "valid" in run.output and "luxi-87: 3 key facts, 2 actions" in run.output


def test_evidence_must_be_verbatim_in_the_cleaned_report(tmp_path):
    path = make_dataset(tmp_path)
    # one character changed: 5000 -> 6000
    edit_reference(path, "luxi-87", lambda d: d["key_facts"][2].update(evidence_zh="全县新增茶园面积6000亩"))
    edit_reference(path, "schools-12", lambda d: d["actions"][0].update(evidence_zh="县教育局要检查校舍"))
    result = validate(path)
    messages = [(p.case, p.message) for p in result.errors]
    assert len(messages) == 2
    assert messages[0][0] == "luxi-87" and "key fact f3: evidence_zh is not verbatim" in messages[0][1]
    assert messages[1][0] == "schools-12" and "action a1: evidence_zh is not verbatim" in messages[1][1]
    run = CliRunner().invoke(eval_app, ["validate", str(path)])
    assert run.exit_code == 1
    assert "f3" in run.output and "invalid: 2 error(s)" in run.output


def test_schema_errors_missing_files_and_duplicate_ids_are_reported(tmp_path):
    path = make_dataset(tmp_path)
    edit_reference(path, "luxi-87", lambda d: d["key_facts"][0].update(surprise="extra field"))
    edit_reference(path, "schools-12", lambda d: d["actions"][1].update(id="a1"))
    (path / "empty-case").mkdir()
    result = validate(path)
    errors = {(p.case, p.message.split(":")[0]) for p in result.errors}
    assert ("luxi-87", "reference.json does not fit the schema") in errors
    assert ("schools-12", "action id 'a1' is used more than once") in errors
    assert ("empty-case", "no report file (report.txt, .md or .html)") in errors
    assert ("empty-case", "no reference.json") in errors


def test_soft_problems_are_warnings(tmp_path):
    path = make_dataset(tmp_path)
    edit_reference(path, "luxi-87", lambda d: (d["key_facts"][0].update(keywords=[]),
                                               d["key_facts"][1].update(keywords=["deadline"]),
                                               d.update(summary="Too short.")))
    result = validate(path)
    assert result.ok
    warnings = [p.message for p in result.warnings if p.case == "luxi-87"]
    assert any("f1 has no keywords" in w for w in warnings)
    assert any("keyword 'deadline' does not occur" in w for w in warnings)
    assert any("2 words" in w for w in warnings)


def test_dataset_hash_changes_with_any_file_and_not_with_order(tmp_path):
    a = make_dataset(tmp_path / "a")
    b = make_dataset(tmp_path / "b", cases=dict(reversed(list(CASES.items()))))
    assert dataset_hash(a) == dataset_hash(b) == load_dataset(a).sha256
    (a / "luxi-87" / "report.txt").write_text(LUXI + "\n补充一句。", encoding="utf-8")
    assert dataset_hash(a) != dataset_hash(b)


def test_missing_dataset_is_a_clear_error(tmp_path):
    run = CliRunner().invoke(eval_app, ["validate", str(tmp_path / "nope")])
    assert run.exit_code == 1
    assert "dataset folder not found" in run.output

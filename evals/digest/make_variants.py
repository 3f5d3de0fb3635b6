"""Republished variants of the five seed reports, for the digest dataset (run once; outputs committed).

For each seed, three copies a reader meets on other sites:
- ``mirror``: the same text inside a portal's boilerplate (breadcrumb, source and views line, print/close
  links, copyright footer);
- ``traditional``: converted to Traditional characters (OpenCC s2t) with pinyin readings injected after
  some characters, as some converters do (``務(wù)``);
- ``redated``: republished days later: the dateline and the publication date changed, the meeting itself not.

    python evals/digest/make_variants.py ../shared/seeds evals/digest/reports
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import opencc
from pypinyin import Style, pinyin

HEADER = "首页 > 新闻中心 > 政务要闻\n来源：{site}　发布时间：{date}　浏览次数：{views}\n【字体：大 中 小】\n"
FOOTER = "\n【打印本页】【关闭窗口】\n版权所有：{site}　主办单位：{site}办公室　备案号：湘ICP备00000000号\n"
SITES = ["县人民政府门户网站", "市融媒体中心", "政务公开网"]


def mirror(text: str, n: int) -> str:
    return HEADER.format(site=SITES[n % 3], date="2021-03-02 09:30", views=120 + n) + text + FOOTER.format(site=SITES[n % 3])


def traditional(text: str) -> str:
    converted = opencc.OpenCC("s2t").convert(text)
    out = []
    for i, char in enumerate(converted):
        out.append(char)
        if i % 9 == 4 and "\u4e00" <= char <= "\u9fff":  # every ninth character gets its reading
            reading = pinyin(char, style=Style.TONE)[0][0]
            out.append(f"({reading})")
    return "".join(out)


def redated(text: str) -> str:
    shifted = re.sub(r"(\d{1,2})月(\d{1,2})日讯", lambda m: f"{m.group(1)}月{int(m.group(2)) % 28 + 3}日讯", text, count=1)
    return "发布时间：2021-03-15\n" + shifted


def main(seeds: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for n, path in enumerate(sorted(seeds.glob("*.txt"))):
        text = path.read_text(encoding="utf-8")
        stem = path.stem.split("_")[0]
        (out / f"{stem}.txt").write_text(text, encoding="utf-8")
        (out / f"{stem}-mirror.txt").write_text(mirror(text, n), encoding="utf-8")
        (out / f"{stem}-traditional.txt").write_text(traditional(text), encoding="utf-8")
        (out / f"{stem}-redated.txt").write_text(redated(text), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))

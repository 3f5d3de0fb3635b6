"""The review page in headless Chromium: offline from file://, verdicts by mouse and keyboard,
saved as a download and through ``spotcheck serve``, and read back by ``stats``."""

from __future__ import annotations

import json
import re

import pytest
import typer
from playwright.sync_api import expect
from typer.testing import CliRunner

from summarizer.spotcheck import verdicts as vf
from summarizer.spotcheck.cli import spotcheck_app
from summarizer.spotcheck.serve import ReviewServer, sample_of_page
from summarizer.spotcheck.stats import compute

from .test_spotcheck import write_briefs

pytestmark = pytest.mark.browser
SIZE = 8


@pytest.fixture
def page_file(tmp_path):
    briefs = write_briefs(tmp_path / "briefs")
    app = typer.Typer()
    app.add_typer(spotcheck_app, name="spotcheck")
    page = tmp_path / "review.html"
    result = CliRunner().invoke(app, ["spotcheck", str(briefs[0].parent), "--sample", str(SIZE), "--seed", "11",
                                      "-o", str(page)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return page


def watch(page) -> tuple[list[str], list[str]]:
    """(errors, URLs requested) of a page."""
    errors, requests = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("request", lambda request: requests.append(request.url))
    return errors, requests


def test_review_page_offline_verdicts_download_and_stats(browser, page_file, tmp_path, artifacts):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 1500})
    page = context.new_page()
    errors, requests = watch(page)
    page.goto(page_file.as_uri())
    items = page.locator("section.item")
    assert items.count() == SIZE
    assert page.locator("#save-server").is_hidden()  # from file:// the verdicts are downloaded
    sample = sample_of_page(page_file)

    # hovering a marked fact lights its partner in the evidence
    section = items.filter(has=page.locator("mark[data-anchor]")).first
    paired = section.locator(".en mark[data-anchor]").first
    anchor = paired.get_attribute("data-anchor")
    paired.hover()
    lit = section.locator(f'mark.lit[data-anchor="{anchor}"]')
    assert lit.count() >= 2

    page.fill("#reviewer", "browser test")
    items.nth(0).locator("button[data-verdict=correct]").click()
    items.nth(1).locator("button[data-verdict=wrong]").click()
    items.nth(1).locator("textarea").fill("the date is March 10, not March 15")
    items.nth(2).focus()
    page.keyboard.press("3")  # unsure
    page.keyboard.press("j")
    page.keyboard.press("2")  # item 3: wrong
    for n in range(4, SIZE):
        items.nth(n).locator("button[data-verdict=correct]").click()
    items.nth(0).locator("button[data-verdict=wrong]").click()
    items.nth(0).locator("button[data-verdict=correct]").click()  # changed their mind: correct again
    assert page.locator("#judged").inner_text() == str(SIZE)
    assert items.nth(1).get_attribute("data-verdict") == "wrong"
    assert items.nth(2).locator("button[data-verdict=unsure]").get_attribute("aria-pressed") == "true"
    page.screenshot(path=str(artifacts / "spotcheck-review.png"), full_page=False)

    with page.expect_download() as download:
        page.click("#download")
    saved = tmp_path / "verdicts.json"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "verdicts-seed11.json"

    verdicts = vf.load(saved)  # the downloaded file is a valid verdict file of this sample
    assert [i.id for i in verdicts.items] == [i.id for i in sample.items]
    assert verdicts.reviewer == "browser test" and verdicts.saved_at
    got = [i.verdict for i in verdicts.items]
    assert got == ["correct", "wrong", "unsure", "wrong"] + ["correct"] * (SIZE - 4)
    assert verdicts.items[1].comment == "the date is March 10, not March 15"

    stats = compute([saved])
    overall = stats.groups[0]
    assert (overall.correct, overall.wrong, overall.unsure) == (SIZE - 3, 2, 1)
    assert overall.sample_accuracy.value == pytest.approx((SIZE - 3) / (SIZE - 1))
    app = typer.Typer()
    app.add_typer(spotcheck_app, name="spotcheck")
    result = CliRunner().invoke(app, ["spotcheck", "stats", str(saved), "--json"], catch_exceptions=False)
    assert result.exit_code == 0 and json.loads(result.output)["judged"] == SIZE - 1

    page.reload()  # verdicts survive a reload (kept in the browser as they are given)
    assert page.locator("#judged").inner_text() == str(SIZE)
    assert not errors, errors
    assert all(url.startswith(("file:", "blob:", "data:")) for url in requests), requests  # nothing fetched
    context.close()


def test_review_page_saves_to_the_local_server(browser, page_file, tmp_path, artifacts):
    target = tmp_path / "served.verdicts.json"
    with ReviewServer(page_file, target, port=0) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors, _ = watch(page)
        page.goto(server.url)
        items = page.locator("section.item")
        assert page.locator("#save-server").is_visible()
        items.nth(0).locator("button[data-verdict=wrong]").click()
        items.nth(0).locator("textarea").fill("owner is wrong")
        items.nth(1).locator("button[data-verdict=correct]").click()
        page.click("#save-server")
        # web-first assertions poll without eval (the page's CSP forbids eval, as it should)
        expect(page.locator("#status")).to_have_text(re.compile(r"^saved"), timeout=15000)
        assert "saved 2 verdicts" in page.locator("#status").inner_text()
        saved = vf.load(target)
        assert [i.verdict for i in saved.items[:3]] == ["wrong", "correct", None]
        assert saved.items[0].comment == "owner is wrong"
        assert compute([target]).groups[0].wrong == 1
        page.screenshot(path=str(artifacts / "spotcheck-served.png"))
        context.close()

        fresh = browser.new_context()  # another browser: the server's verdicts fill the page
        again = fresh.new_page()
        again.goto(server.url)
        first = again.locator("section.item").nth(0)
        expect(first).to_have_attribute("data-verdict", "wrong", timeout=15000)
        assert first.locator("textarea").input_value() == "owner is wrong"
        assert again.locator("#judged").inner_text() == "2"
        fresh.close()
        assert not errors, errors

"""Good examples in a real browser: the mode switch on the start page, section labels and facet, the
/goda-exempel page and an editor marking a passage — axe-clean (WCAG 2.1 AA), no horizontal scrolling at
390 px, and working with JavaScript switched off. Its screenshot goes where test_browser's do (docs/ with
`make screenshots`)."""
from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import EDITOR, running_server
from tests.test_browser import _axe_violations, browser, css, screenshots, server, viewport, wait_for  # noqa: F401

pytestmark = pytest.mark.browser

def _no_horizontal_scroll(driver) -> bool:
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def phone(browser):  # noqa: F811
    with viewport(browser, 390, 900):
        yield browser


@pytest.mark.screenshots
def test_start_page_switch_leads_to_projects_with_results_and_lessons(server, phone, screenshots):  # noqa: F811
    phone.get(server + "/")
    box = css(phone, "#q")[0]
    box.send_keys("äldre digital")
    css(phone, "#mode")[0].click()
    css(phone, "#sokform button[type=submit]")[0].click()
    wait_for(phone, lambda d: css(d, ".example-group"))
    assert "mode=goda-exempel" in phone.current_url
    first = css(phone, ".example-group")[0]
    assert "Digi 60+" in first.text and "Region Västmanland, 2021" in first.text
    labels = [e.text for e in first.find_elements("css selector", ".example-findings .section-label")]
    assert labels == ["Resultat", "Lärdomar"]
    assert _no_horizontal_scroll(phone)
    assert _axe_violations(phone) == []
    phone.save_screenshot(str(screenshots / "goda-exempel.png"))


@pytest.mark.parametrize("path", ["/sok?q=projektet&section=resultat", "/goda-exempel",
                                  "/sok?q=kompetensf%C3%B6rs%C3%B6rjning&mode=goda-exempel",
                                  "/mal/natverk-westum:omrade-3", "DIGI"])
def test_pages_are_axe_clean_at_390_px(server, phone, path):  # noqa: F811
    if path == "DIGI":
        with urllib.request.urlopen(server + "/api/documents") as response:
            docs = json.load(response)["documents"]
        path = next(d["url"] for d in docs if d["title"].startswith("Digitalt kompetenta folkbibliotek"))
    phone.set_script_timeout(60)
    phone.get(server + path)
    assert _no_horizontal_scroll(phone), path
    assert _axe_violations(phone) == [], path


def test_mode_and_section_work_without_javascript(server):  # noqa: F811
    with urllib.request.urlopen(server + "/sok?q=%C3%A4ldre+digital&mode=goda-exempel") as response:
        page = response.read().decode()
    assert 'class="example-groups"' in page and "checked" in page.split('id="mode"', 1)[1].split(">", 1)[0]
    with urllib.request.urlopen(server + "/sok?q=projektet&section=lardomar") as response:
        page = response.read().decode()
    assert 'class="section-label section-lardomar"' in page and 'name="section" value="lardomar"' in page


@pytest.fixture
def editor_server(fresh_data: Path):
    with running_server(fresh_data) as base:
        yield base


def test_editor_marks_a_passage_and_readers_see_the_badge(editor_server, browser):  # noqa: F811
    browser.delete_all_cookies()
    browser.get(editor_server + "/logga-in")
    css(browser, "#username")[0].send_keys(EDITOR[0])
    css(browser, "#password")[0].send_keys(EDITOR[1])
    css(browser, "form.stacked-form button[type=submit]")[0].click()
    wait_for(browser, lambda d: "Logga ut" in d.page_source)
    with urllib.request.urlopen(editor_server + "/api/documents") as response:
        docs = json.load(response)["documents"]
    doc = next(d for d in docs if d["title"].startswith("Digi 60+"))
    browser.get(editor_server + doc["url"])
    lessons = next(a for a in css(browser, "article.passage") if a.get_attribute("id") in browser.page_source
                   and "Små grupper" in a.text)
    lessons.find_element("css selector", "details.mark-example summary").click()
    field = lessons.find_element("css selector", "input[name=motivation]")
    field.send_keys("Små grupper och egna enheter – lätt att ta efter")
    assert _axe_violations(browser) == []
    lessons.find_element("css selector", "button[value=markera]").click()
    wait_for(browser, lambda d: css(d, ".passage .good-example-badge"))
    assert "Små grupper och egna enheter – lätt att ta efter" in browser.page_source
    browser.delete_all_cookies()  # anonymous: the document is public, so the mark is shown
    browser.get(editor_server + "/goda-exempel")
    assert "Små grupper och egna enheter – lätt att ta efter" in browser.page_source
    assert _axe_violations(browser) == []

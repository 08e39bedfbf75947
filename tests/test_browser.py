"""The web UI in a real browser: Debian's headless Chromium driven by Selenium against `kunskapsbank serve`
on the sample corpus. Also checks WCAG 2.1 A/AA with axe-core and writes the README screenshots."""
from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import running_server

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "docs"


@pytest.fixture(scope="module")
def server(corpus_data: Path):
    with running_server(corpus_data) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        pytest.fail("Chromium and chromedriver are required: `make test` installs them (apt chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                "--lang=sv-SE", "--disable-gpu"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def wait_for(driver, condition, timeout: float = 10):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def css(driver, selector):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def link_text(driver, text):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.PARTIAL_LINK_TEXT, text)


def test_typing_shows_highlighted_results_without_reload(server, browser):
    browser.get(server + "/")
    browser.execute_script("window.__noReload = 'still here';")
    box = css(browser, "#q")[0]
    box.send_keys("vuxenutbildning")
    wait_for(browser, lambda d: css(d, "#resultat .hit mark"))
    assert browser.execute_script("return window.__noReload") == "still here"  # htmx swapped, no page load
    marks = [m.text.lower() for m in css(browser, "#resultat .hit mark")]
    assert any("utbildning" in m for m in marks)
    wait_for(browser, lambda d: "q=vuxenutbildning" in d.current_url)  # the address is shareable
    status = css(browser, "#resultat [role=status]")[0].text
    assert "träff" in status
    browser.save_screenshot(str(SCREENSHOTS / "resultat.png"))


def test_facet_narrows_results(server, browser):
    browser.get(server + "/sok?q=utbildning")
    before = css(browser, ".result-count")[0].text
    browser.execute_script("window.__noReload = 'still here';")
    facet = css(browser, ".facet a.facet-link")[0]
    label = facet.text.split(" (")[0]
    facet.click()
    wait_for(browser, lambda d: css(d, ".facet a.facet-link.selected"))
    assert browser.execute_script("return window.__noReload") == "still here"
    assert css(browser, ".facet a.facet-link.selected")[0].text.startswith(label)
    assert css(browser, ".result-count")[0].text != before
    assert "org=" in browser.current_url or "type=" in browser.current_url or "year=" in browser.current_url


def test_passage_permalink_is_marked_and_focused(server, browser):
    with urllib.request.urlopen(server + "/api/search?q=kollektivtrafik") as response:
        hit = json.load(response)["hits"][0]
    browser.get(server + hit["url"])
    wait_for(browser, lambda d: css(d, ".passage.marked"))
    marked = css(browser, ".passage.marked")[0]
    assert marked.get_attribute("id") == hit["passage_id"]
    assert browser.current_url.endswith("#" + hit["passage_id"])
    assert "Länkat stycke" in marked.text
    wait_for(browser, lambda d: d.switch_to.active_element.get_attribute("id") == hit["passage_id"])


def test_newcomer_goes_vision_malomrade_delmal_passage(server, browser):
    browser.get(server + "/")
    link_text(browser, "Ett livskraftigt Västmanland").click()
    wait_for(browser, lambda d: "Ett livskraftigt Västmanland" in css(d, "h1")[0].text)
    link_text(browser, "Ett nyskapande Västmanland").click()
    wait_for(browser, lambda d: "Ett nyskapande Västmanland" in css(d, "h1")[0].text)
    link_text(browser, "#17 Öka andelen elever").click()
    wait_for(browser, lambda d: css(d, "h1")[0].text.startswith("#17"))
    crumbs = css(browser, ".breadcrumbs")[0].text
    assert "Ett livskraftigt Västmanland" in crumbs and "Ett nyskapande Västmanland" in crumbs
    first = css(browser, ".goal-passages li a")[0]
    target = first.get_attribute("href")
    first.click()
    wait_for(browser, lambda d: css(d, ".passage.marked"))
    assert target.split("/p/")[1] == css(browser, ".passage.marked")[0].get_attribute("id")
    goal_links = css(browser, ".passage.marked .goal-link a")
    assert any("#17" in a.text or "nyskapande" in a.text for a in goal_links)


def test_project_entity_page(server, browser):
    browser.get(server + "/entiteter?type=project")
    link_text(browser, "Digi 60+").click()
    wait_for(browser, lambda d: css(d, "h1")[0].text == "Digi 60+")
    assert "Projekt" in css(browser, ".level-name")[0].text
    mentions = css(browser, ".goal-passages li a")
    assert mentions
    mentions[0].click()
    wait_for(browser, lambda d: css(d, ".passage.marked"))


def test_start_page_works_without_javascript(server, corpus_data):
    # Plain form submission: the search form's action and method alone lead to results.
    with urllib.request.urlopen(server + "/sok?q=bibliotek") as response:
        page = response.read().decode()
    assert '<form id="sokform"' in page and 'action="/sok"' in page and "<mark>" in page


def _axe_violations(browser) -> list[dict]:
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        """const done = arguments[arguments.length - 1];
           axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
              .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                         nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))
              .catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]));"""
    )
    return result


@pytest.mark.parametrize("path", ["/", "/sok?q=kompetensf%C3%B6rs%C3%B6rjning", "DOCUMENT", "/mal",
                                  "/mal/rus-vastmanland:delmal-17", "/entiteter/project:digi-60-plus", "/logga-in",
                                  "/mal/rus-vastmanland:vision", "/dokument", "/entiteter", "/sok",
                                  "/sok?q=utbildning&org=Region+V%C3%A4stmanland", "/d/finns-inte"])
def test_no_axe_violations(server, browser, path):
    if not AXE.exists():
        pytest.fail("axe-core is missing: `npm ci` installs it")
    if path == "DOCUMENT":
        with urllib.request.urlopen(server + "/api/documents") as response:
            docs = json.load(response)["documents"]
        path = next(d["url"] for d in docs if "Verksamhetsplan 2021" in d["title"])
    browser.set_script_timeout(60)
    browser.get(server + path)
    violations = _axe_violations(browser)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    if path == "/":
        browser.save_screenshot(str(SCREENSHOTS / "start.png"))


@pytest.fixture
def editor_server(fresh_data: Path):
    """A server of its own: this test adds a document, the shared corpus must stay as it is."""
    with running_server(fresh_data) as base:
        yield base


def test_editor_signs_in_uploads_and_follows_progress(editor_server, browser, tmp_path):
    from tests.conftest import EDITOR

    report = tmp_path / "lägesrapport-lärcentrum.md"
    report.write_text("# Lägesrapport Lärcentrum Skinnskatteberg\n\nLärcentrum erbjuder studiehandledning "
                      "för vuxna som läser på distans.\n", encoding="utf-8")
    browser.delete_all_cookies()
    browser.get(editor_server + "/logga-in")
    css(browser, "#username")[0].send_keys(EDITOR[0])
    css(browser, "#password")[0].send_keys(EDITOR[1])
    css(browser, "form.stacked-form button[type=submit]")[0].click()
    wait_for(browser, lambda d: "Logga ut" in d.page_source)
    browser.get(editor_server + "/ladda-upp")
    assert _axe_violations(browser) == []
    css(browser, "#file")[0].send_keys(str(report))
    css(browser, "#vis-public")[0].click()
    css(browser, "form.stacked-form button[type=submit]")[0].click()
    wait_for(browser, lambda d: "/uppladdningar/" in d.current_url)
    wait_for(browser, lambda d: "Öppna dokumentet" in d.page_source, timeout=60)  # htmx polls the status
    assert "klar" in css(browser, "#upload-status")[0].text
    link_text(browser, "Öppna dokumentet").click()
    wait_for(browser, lambda d: "Lärcentrum Skinnskatteberg" in css(d, "h1")[0].text)
    assert "Ta bort dokumentet" in browser.page_source  # editors see the editing tools
    assert _axe_violations(browser) == []
    browser.get(editor_server + "/dokument")
    link_text(browser, "Verksamhetsplan 2021").click()  # a document with goal links: review buttons for editors
    wait_for(browser, lambda d: css(d, ".review-form"))
    assert _axe_violations(browser) == []


# -- project cards and the follow-up view ------------------------------------------------------------
FOLLOWUP = "/mal/rus-vastmanland:delmal-18/insatser"


@pytest.fixture
def phone(browser):
    """The same browser as a 390 px wide phone (Chrome's own window cannot be that narrow)."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    yield browser
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_followup_view_is_accessible_and_fits_a_phone(server, browser, phone):
    browser.get(server + FOLLOWUP)
    assert browser.execute_script("return window.innerWidth") == 390
    assert css(browser, "svg[role=img] rect") and css(browser, "#insatser-tabell tbody tr")
    overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px at 390 px"
    assert _axe_violations(browser) == []
    css(browser, "details.timeline-table summary")[0].click()
    assert css(browser, "details.timeline-table table")[0].is_displayed()
    assert _axe_violations(browser) == []


def test_followup_view_on_a_desktop_with_screenshot(server, browser):
    browser.set_window_size(1280, 1000)
    browser.get(server + FOLLOWUP)
    assert _axe_violations(browser) == []
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(height, 2400))
    browser.save_screenshot(str(SCREENSHOTS / "insatser.png"))
    browser.set_window_size(1280, 1000)


def test_followup_filters_and_downloads_work_without_javascript(server):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import Select

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,900", "--disable-gpu"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get(server + FOLLOWUP)
        everything = len(css(driver, "#insatser-tabell tbody tr"))
        Select(css(driver, "#f-finansiering")[0]).select_by_visible_text("ESF")
        css(driver, ".filter-form button[type=submit]")[0].click()
        wait_for(driver, lambda d: "finansiering=ESF" in d.current_url)
        narrowed = css(driver, "#insatser-tabell tbody tr")
        assert 0 < len(narrowed) < everything
        csv_link = link_text(driver, "CSV").get_attribute("href")
        assert "finansiering=ESF" in csv_link
        with urllib.request.urlopen(csv_link) as response:
            lines = response.read().decode("utf-8-sig").strip().splitlines()
        assert len(lines) == len(narrowed) + 1  # a header and the rows the page shows
    finally:
        driver.quit()


def test_editor_corrects_a_project_card_in_the_browser(editor_server, browser):
    from tests.conftest import EDITOR

    browser.delete_all_cookies()
    browser.get(editor_server + "/logga-in")
    css(browser, "#username")[0].send_keys(EDITOR[0])
    css(browser, "#password")[0].send_keys(EDITOR[1])
    css(browser, "form.stacked-form button[type=submit]")[0].click()
    wait_for(browser, lambda d: "Logga ut" in d.page_source)
    browser.get(editor_server + "/entiteter/project:lärcentrum-sala")
    css(browser, "details.card-editor summary")[0].click()
    assert _axe_violations(browser) == []
    start = css(browser, "#c-start")[0]
    start.clear()
    start.send_keys("2021-08")
    css(browser, ".card-form button[type=submit]")[0].click()
    wait_for(browser, lambda d: "sparade" in d.page_source)
    assert "augusti 2021" in css(browser, ".card-fields")[0].text
    assert "rättad av" in css(browser, ".card-fields")[0].text
    assert _axe_violations(browser) == []

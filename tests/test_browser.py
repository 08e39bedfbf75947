"""The web UI in a real browser: Debian's headless Chromium driven by Selenium against `kunskapsbank serve`
on the sample corpus. Also checks WCAG 2.1 A/AA with axe-core, and takes screenshots: into a temporary
folder, or into docs/ when `make screenshots` sets KUNSKAPSBANK_SCREENSHOTS (tests never write into the repo)."""
from __future__ import annotations

import json
import os
import shutil
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import running_server

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where screenshots go: docs/ for `make screenshots`, a temporary folder otherwise."""
    chosen = os.environ.get("KUNSKAPSBANK_SCREENSHOTS")
    return Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")


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
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # to see CSP reports in the console
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


@contextmanager
def viewport(driver, width: int, height: int):
    """The page as a screen of this size shows it (390 px: a phone, with its viewport rules)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                                   "deviceScaleFactor": 1, "mobile": width < 600})
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def get_json(url: str):
    with urllib.request.urlopen(url) as response:
        return json.load(response)


@pytest.mark.screenshots
def test_typing_shows_highlighted_results_without_reload(server, browser, screenshots):
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
    browser.save_screenshot(str(screenshots / "resultat.png"))


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
    hit = get_json(server + "/api/search?q=kollektivtrafik")["hits"][0]
    browser.get(server + hit["url"])
    wait_for(browser, lambda d: css(d, ".passage.marked"))
    marked = css(browser, ".passage.marked")[0]
    assert marked.get_attribute("id") == hit["passage_id"]
    wait_for(browser, lambda d: d.switch_to.active_element.get_attribute("id") == hit["passage_id"])
    link_text(browser, "Hela dokumentet").click()  # the passage marked in the whole document
    wait_for(browser, lambda d: d.current_url.endswith("#" + hit["passage_id"]))
    marked = css(browser, ".passage.marked")[0]
    assert marked.get_attribute("id") == hit["passage_id"] and "Länkat stycke" in marked.text
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
    browser.set_script_timeout(180)  # axe on a long document page takes a while on a busy machine
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        """const done = arguments[arguments.length - 1];
           axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
              .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                         nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))
              .catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]));"""
    )
    return result


@pytest.mark.parametrize("path", [pytest.param("/", marks=pytest.mark.screenshots),
                                  "/sok?q=kompetensf%C3%B6rs%C3%B6rjning", "DOCUMENT", "/mal",
                                  "/mal/rus-vastmanland:delmal-17", "/entiteter/project:digi-60-plus", "/logga-in",
                                  "/mal/rus-vastmanland:vision", "/dokument", "/entiteter", "/sok",
                                  "/sok?q=utbildning&org=Region+V%C3%A4stmanland", "/d/finns-inte", "PASSAGE",
                                  "/sok?q=bibliotek&document=DOCUMENT_ID", "/docs", "/mal/natverk-westum:omrade-1",
                                  "/mal/rus-vastmanland:delmal-1", "/mal/natverk-westum:omrade-1-mal-1"])
def test_no_axe_violations(server, browser, path, screenshots):
    if not AXE.exists():
        pytest.fail("axe-core is missing: `npm ci` installs it")
    if path == "DOCUMENT":
        with urllib.request.urlopen(server + "/api/documents") as response:
            docs = json.load(response)["documents"]
        path = next(d["url"] for d in docs if "Verksamhetsplan 2021" in d["title"])
    if path == "PASSAGE":
        path = get_json(server + "/api/search?q=kollektivtrafik")["hits"][0]["url"]
    if "DOCUMENT_ID" in path:
        hit = next(h for h in get_json(server + "/api/search?q=bibliotek")["hits"] if h["more_in_document"])
        path = path.replace("DOCUMENT_ID", hit["document_id"])
    browser.set_script_timeout(60)
    browser.get(server + path)
    if path == "/docs":
        wait_for(browser, lambda d: css(d, "#swagger-ui .opblock"))
    violations = _axe_violations(browser)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    if path == "/":
        browser.save_screenshot(str(screenshots / "start.png"))


@pytest.fixture
def editor_server(fresh_data: Path):
    """A server of its own: this test adds a document, the shared corpus must stay as it is."""
    with running_server(fresh_data) as base:
        yield base


def watch_progress(browser) -> None:
    """Record every value the upload form's <progress> takes, in sessionStorage: it outlives the page."""
    browser.execute_script("""
        sessionStorage.setItem('progress', '[]');
        const bar = document.querySelector('.upload-progress progress');
        new MutationObserver(() => {
            const seen = JSON.parse(sessionStorage.getItem('progress'));
            seen.push(Number(bar.value));
            sessionStorage.setItem('progress', JSON.stringify(seen));
        }).observe(bar, {attributes: true, attributeFilter: ['value']});""")


def progress_seen(browser) -> list[float]:
    return json.loads(browser.execute_script("return sessionStorage.getItem('progress') || '[]'"))


def sign_in(browser, base: str) -> None:
    from tests.conftest import EDITOR

    browser.delete_all_cookies()
    browser.get(base + "/logga-in")
    css(browser, "#username")[0].send_keys(EDITOR[0])
    css(browser, "#password")[0].send_keys(EDITOR[1])
    css(browser, "form.stacked-form button[type=submit]")[0].click()
    wait_for(browser, lambda d: "Logga ut" in d.page_source)


def test_editor_signs_in_uploads_and_follows_progress(editor_server, browser, tmp_path):
    report = tmp_path / "lägesrapport-lärcentrum.md"
    report.write_text("# Lägesrapport Lärcentrum Skinnskatteberg\n\nLärcentrum erbjuder studiehandledning "
                      "för vuxna som läser på distans.\n", encoding="utf-8")
    sign_in(browser, editor_server)
    browser.get(editor_server + "/ladda-upp")
    assert _axe_violations(browser) == []
    css(browser, "#file")[0].send_keys(str(report))
    css(browser, "#vis-public")[0].click()
    watch_progress(browser)
    css(browser, "form.stacked-form button[type=submit]")[0].click()
    wait_for(browser, lambda d: "/uppladdningar/" in d.current_url)
    assert max(progress_seen(browser)) == 100  # the transfer was shown, then the ingest status
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


# -- the reading view, small screens, /docs ---------------------------------------------------------
@pytest.mark.screenshots
@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])
def test_permalink_shows_title_heading_and_passage_in_the_first_screen(server, browser, screenshots, width, height):
    hits = get_json(server + "/api/search?q=%2317+%C3%96ka+andelen+elever&all=1")["hits"]
    hit = next(h for h in hits if h["heading"].startswith("#17"))
    passage = get_json(server + f"/api/passages/{hit['passage_id']}")
    with viewport(browser, width, height):
        browser.get(server + hit["url"])
        wait_for(browser, lambda d: css(d, ".passage.marked"))
        boxes = browser.execute_script("""
            const box = s => { const b = document.querySelector(s).getBoundingClientRect();
                               return {top: b.top, bottom: b.bottom, text: document.querySelector(s).innerText}; };
            return {title: box('.reading-title'), heading: box('#stycke-rubrik'), links: box('.reading-links'),
                    text: box('.passage.marked .passage-text'), screen: window.innerHeight,
                    width: window.innerWidth, scroll_width: document.documentElement.scrollWidth};""")
        assert boxes["width"] == width and boxes["scroll_width"] <= width
        assert boxes["title"]["text"] == passage["document"]["title"]
        assert boxes["heading"]["text"].startswith(passage["heading_path"][-1])
        assert "Hela dokumentet" in boxes["links"]["text"] and f"sida {passage['page']}" in boxes["links"]["text"]
        for part in ("title", "heading", "links"):
            assert 0 <= boxes[part]["top"] and boxes[part]["bottom"] <= boxes["screen"], (part, boxes)
        assert boxes["text"]["top"] + 3 * 24 <= boxes["screen"], boxes  # at least its first lines
        name = "stycke.png" if width > 600 else "stycke-mobil.png"
        browser.save_screenshot(str(screenshots / name))


def _longest_goal(server) -> str:
    def walk(goals):
        for goal in goals:
            yield goal
            yield from walk(goal["children"])

    goals = [g for fw in get_json(server + "/api/goals")["frameworks"] for g in walk(fw["goals"])]
    return max(goals, key=lambda g: len(g["label"]))["url"]


LONG_QUERY = ("vuxenutbildning kompetensförsörjning lärcentrum Västmanland "
              "https://www.example.se/en/mycket/lang/adress/som/inte/kan/brytas/naturligt/alls/i/en/smal/kolumn")


@pytest.mark.parametrize("path", ["/", "/sok?q=" + LONG_QUERY, "/sok?q=utbildning&org=Region+V%C3%A4stmanland",
                                  "SEARCH_IN_DOCUMENT", "/dokument", "DOCUMENT", "PASSAGE", "/mal",
                                  "/mal/rus-vastmanland:delmal-17", "LONGEST_GOAL", "/entiteter",
                                  "/entiteter/project:digi-60-plus", "/logga-in", "/docs", "/d/finns-inte",
                                  "/mal/natverk-westum:omrade-1", "/mal/rus-vastmanland:vision"])
def test_no_horizontal_scrolling_at_390_px(server, browser, path):
    if path == "SEARCH_IN_DOCUMENT":
        hit = next(h for h in get_json(server + "/api/search?q=bibliotek")["hits"] if h["more_in_document"])
        path = f"/sok?q=bibliotek&document={hit['document_id']}"
    elif path == "DOCUMENT":
        path = next(d["url"] for d in get_json(server + "/api/documents")["documents"] if "Verksamhetsplan 2021" in d["title"])
    elif path == "PASSAGE":
        path = get_json(server + "/api/search?q=kollektivtrafik")["hits"][0]["url"]
    elif path == "LONGEST_GOAL":
        path = _longest_goal(server)
    with viewport(browser, 390, 844):
        browser.get(server + path)
        if path == "/docs":
            wait_for(browser, lambda d: css(d, "#swagger-ui .opblock"))
        # (a phone zooms out to fit a page that is too wide, so window.innerWidth may grow; clientWidth does not)
        widths = browser.execute_script("""return {scroll: document.documentElement.scrollWidth,
            screen: document.documentElement.clientWidth,
            wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)
                      .slice(0, 5).map(e => e.tagName + '.' + e.className)};""")
    assert widths["screen"] == 390
    assert widths["scroll"] <= 390, widths


def test_api_docs_list_the_operations(server, browser):
    browser.get(server + "/")
    link_text(browser, "API-beskrivningen").click()
    wait_for(browser, lambda d: css(d, "#swagger-ui .opblock-summary-path"))
    paths = {e.text.strip() for e in css(browser, "#swagger-ui .opblock-summary-path")}
    assert {"/api/search", "/api/documents", "/api/passages/{passage_id}", "/api/link", "/p/{passage_id}"} <= paths
    css(browser, "#operations-sök-api_search_api_search_get .opblock-summary-control")[0].click()
    wait_for(browser, lambda d: css(d, "tr[data-param-name='document']"))  # parameters are shown, the new one too
    logs = [e for e in browser.get_log("browser") if "Content Security Policy" in e.get("message", "")]
    assert logs == []


def test_a_slow_transfer_shows_its_progress_then_the_ingest_status(editor_server, browser, tmp_path):
    broken = tmp_path / "trasig-rapport.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + os.urandom(600 * 1024))  # ~2 s at the throttled speed, then a clear failure
    sign_in(browser, editor_server)
    with viewport(browser, 390, 844):
        browser.get(editor_server + "/ladda-upp")
        widths = browser.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1] == 390
        css(browser, "#file")[0].send_keys(str(broken))
        watch_progress(browser)
        browser.execute_cdp_cmd("Network.enable", {})
        browser.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                                     "downloadThroughput": -1,
                                                                     "uploadThroughput": 300 * 1024})
        try:
            css(browser, "form.stacked-form button[type=submit]")[0].click()
            wait_for(browser, lambda d: any(0 < v < 100 for v in progress_seen(d)))  # a bar that moves
            assert css(browser, ".upload-progress")[0].is_displayed()
            wait_for(browser, lambda d: "/uppladdningar/" in d.current_url, timeout=30)
        finally:
            browser.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                                         "downloadThroughput": -1, "uploadThroughput": -1})
            browser.execute_cdp_cmd("Network.disable", {})
        seen = progress_seen(browser)
        assert seen == sorted(seen) and seen[-1] == 100
        wait_for(browser, lambda d: "misslyckades" in css(d, "#upload-status")[0].text, timeout=60)
        assert "trasig-rapport.pdf" in css(browser, "#upload-status")[0].text


# -- the goal map ------------------------------------------------------------------------------------
MAP_GEOMETRY = """
    const parts = [...document.querySelectorAll('a.map-part')];
    const overflow = [];
    for (const a of parts) {
        const box = a.querySelector('rect.map-box').getBBox();
        for (const t of a.querySelectorAll('text')) {
            const b = t.getBBox();
            if (b.x + b.width > box.x + box.width - 2 || b.y + b.height > box.y + box.height) overflow.push(t.textContent);
        }
    }
    const svg = document.querySelector('.map-svg');
    const text = document.querySelector('.map-part:not(.map-head) .map-label');
    return {parts: parts.length, overflow: overflow,
            scale: svg.getBoundingClientRect().width / svg.viewBox.baseVal.width,
            text_px: text.getBoundingClientRect().height,
            scroll: document.documentElement.scrollWidth, screen: document.documentElement.clientWidth};"""


@pytest.mark.screenshots
@pytest.mark.parametrize("path,width,height,name", [("/mal", 1280, 1000, "malkarta.png"),
                                                    ("/", 390, 844, "malkarta-mobil.png")])
def test_goal_map_reads_on_wide_and_narrow_screens(server, browser, screenshots, path, width, height, name):
    goals = [g for fw in get_json(server + "/api/goals")["frameworks"] for g in _walk(fw["goals"])
             if g["level"] != "aktivitet"]
    with viewport(browser, width, height):
        browser.get(server + path)
        wait_for(browser, lambda d: css(d, "a.map-part"))
        found = browser.execute_script(MAP_GEOMETRY)
        assert found["parts"] == len(goals)
        assert found["overflow"] == [], found["overflow"]  # every name fits its box (or is cut with …)
        assert found["scroll"] <= found["screen"] and (width > 600 or found["screen"] == width)
        assert found["scale"] >= 0.9, found  # drawn about full size: 14 px text stays about 14 px
        assert found["text_px"] >= 12, found
        first = css(browser, ".goal-map")[0]
        browser.execute_script("arguments[0].scrollIntoView()", first)
        browser.save_screenshot(str(screenshots / name))


def _walk(goals):
    for goal in goals:
        yield goal
        yield from _walk(goal["children"])


def test_goal_map_is_reached_by_keyboard_and_opens_a_goal(server, browser):
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/mal")
    wait_for(browser, lambda d: css(d, "a.map-part"))
    body = css(browser, "body")[0]
    body.send_keys(Keys.TAB)
    name = ""
    for _ in range(60):  # Tab from the top of the page until a målområde of the map has the focus
        name = browser.execute_script("const a = document.activeElement; "
                                      "return a.matches('a.map-part') ? a.getAttribute('aria-label') : '';")
        if name.startswith("Målområde 2:"):
            break
        browser.switch_to.active_element.send_keys(Keys.TAB)
    assert name.startswith("Målområde 2: Ett tillgängligt Västmanland – ") and name.endswith(" projekt"), name
    outline = browser.execute_script("const r = document.activeElement.querySelector('rect.map-box'); "
                                     "return getComputedStyle(r).strokeWidth;")
    assert outline == "4px"  # the focused part is drawn with a thick outline
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(browser, lambda d: css(d, "h1") and css(d, "h1")[0].text == "Ett tillgängligt Västmanland")
    assert "/mal/rus-vastmanland:malomrade-2" in browser.current_url


# -- project cards and the follow-up view ------------------------------------------------------------
FOLLOWUP = "/mal/rus-vastmanland:delmal-18/insatser"


@pytest.mark.screenshots
@pytest.mark.parametrize("width,height", [(1280, 2000), (390, 844)])
def test_followup_view_is_accessible_on_a_desktop_and_a_phone(server, browser, screenshots, width, height):
    with viewport(browser, width, height):
        browser.get(server + FOLLOWUP)
        assert browser.execute_script("return window.innerWidth") == width
        assert css(browser, "svg[role=img] rect") and css(browser, "#insatser-tabell tbody tr")
        overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow} px at {width} px"
        assert _axe_violations(browser) == []
        browser.save_screenshot(str(screenshots / ("insatser.png" if width > 600 else "insatser-mobil.png")))
        css(browser, "details.timeline-table summary")[0].click()
        assert css(browser, "details.timeline-table table")[0].is_displayed()
        assert _axe_violations(browser) == []


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

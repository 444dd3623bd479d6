"""The interactive page in a real browser: Debian's headless Chromium, driven by Selenium.

For the configurations issue 23 names and for generated ones, every element with ``data-slice`` is
clicked and the cells that light (class ``hl``, ``aria-selected="true"``) are compared with the cells
torch says the slice reads (tests/cells_oracle.py); a deliberately wrong map must fail. Then the
other way round (a cell lights the slices holding it), the keyboard, hovering, the page fetching
nothing, Korean labels inside their boxes, 360 px, light and dark, two reports on one page, and the
screenshot the docs show. One browser serves the whole session; without one, every test here skips
and says what to install.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from gru_shapes.model.spec import make_spec
from gru_shapes.report import Report
from gru_shapes.run.pipeline import report_for
from gru_shapes.show import diagram
from gru_shapes.show.page import document, fragment
from tests import browser
from tests.cells_oracle import Truth
from tests.test_slices import CASES, configurations, report_of

SELENIUM_CACHE = Path.home() / ".cache" / "selenium"  # where Selenium Manager would put its downloads
SHOWN = ("index", "idioms", "handoff")  # the sections holding slices: the index map, idioms, hand-off


@pytest.fixture(scope="session")
def driver() -> Iterator[Any]:
    missing = browser.available()
    if missing:
        pytest.skip(missing)
    cached = SELENIUM_CACHE.exists()
    with browser.chromium() as started:
        yield started
    assert cached or not SELENIUM_CACHE.exists(), "Selenium Manager ran and cached something"


@pytest.fixture(scope="session")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pages")


def open_page(driver: Any, folder: Path, html: str, name: str) -> None:
    path = folder / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    driver.get(path.as_uri())


READ = """
const key = (el, attr) => el.getAttribute(attr) + (el.hasAttribute('data-seq') ? '@' + el.getAttribute('data-seq') : '');
const all = (q) => Array.from(document.querySelectorAll(q));
return {
  hl: all('[data-cell].hl').map(e => key(e, 'data-cell')),
  selected: all('[data-cell][aria-selected="true"]').map(e => key(e, 'data-cell')),
  gaps: all('[data-gap].hl').map(e => key(e, 'data-gap')),
  on: all('[data-slice].gs-on').map(e => e.getAttribute('data-slice')),
  lit: all('[data-slice].hl').map(e => e.getAttribute('data-slice')),
  cells: all('[data-cell]').map(e => key(e, 'data-cell')),
  gapped: all('[data-gap]').map(e => key(e, 'data-gap')),
  grids: all('.gs-grid').length,
  figure: all('.gs-figure').map(e => e.offsetHeight),
};
"""


def read(driver: Any) -> dict[str, Any]:
    state = driver.execute_script(READ)
    return {
        name: set(value) if isinstance(value, list) and name != "figure" else value
        for name, value in state.items()
    }


def _key(cell: tuple[int, ...]) -> str:
    return ",".join(map(str, cell[:3])) + (f"@{cell[3]}" if len(cell) == 4 else "")


def _gap(cell: tuple[int, ...]) -> str:
    return ",".join(map(str, cell[:2])) + (f"@{cell[3]}" if len(cell) == 4 else "")


def expected_view(truth: set[tuple[int, ...]], page: dict[str, Any]) -> tuple[set[str], set[str]]:
    """What should light for cells ``truth``: those the page draws, and the gap of every other one
    in a drawn sequence (one that is not under a gap shows as a gap the page lacks)."""
    cells = {_key(c) for c in truth if _key(c) in page["cells"]}
    gaps = {_gap(c) for c in truth if _key(c) not in page["cells"] and (len(c) == 3 or c[3] < page["grids"])}
    return cells, gaps


def click_every_slice(driver: Any) -> list[tuple[str, dict[str, Any]]]:
    """Click each data-slice element (chips, index-map buttons, idiom and hand-off rows, mentions)."""
    seen = []
    for element in driver.find_elements("css selector", "[data-slice]"):
        # At the bottom of the window: a small diagram sticks at the top, over the middle of a short one.
        driver.execute_script("arguments[0].scrollIntoView({block: 'end'})", element)
        element.click()
        seen.append((element.get_attribute("data-slice"), read(driver)))
    return seen


def mismatches(report: Report, seen: list[tuple[str, dict[str, Any]]]) -> list[str]:
    truth = Truth(report.spec)
    decoder = int(report.handoff[0].shape[-1]) if report.handoff else None
    found = []
    for expression, state in seen:
        cells, gaps = expected_view(truth.cells(expression, decoder), state)
        for name, shown, wanted in (("hl", state["hl"], cells), ("aria-selected", state["selected"], cells)):
            if shown != wanted:
                found.append(f"{expression}: {name} {sorted(shown)}, torch {sorted(wanted)}")
        if state["gaps"] != gaps:
            found.append(f"{expression}: gaps {sorted(state['gaps'])}, torch {sorted(gaps)}")
        if state["on"] != {expression}:
            found.append(f"{expression}: slice elements on {sorted(state['on'])}")
    return found


def _check_every_slice(driver: Any, folder: Path, report: Report, name: str) -> None:
    open_page(driver, folder, document(report, SHOWN), name)
    before = read(driver)["figure"]
    seen = click_every_slice(driver)
    assert len(seen) >= 4
    assert mismatches(report, seen) == []
    # Pointing at a slice never moves the page under the pointer: the figure keeps its height.
    assert {tuple(state["figure"]) for _x, state in seen} == {tuple(before)}


BROWSER_CASES = {
    name: CASES[name]
    for name in (
        "notebook-cell-3",
        "lstm-proj-3-bi-seq-first",
        "rnn-bi-packed",
        "lstm-proj-2-packed-unsorted",
        "gru-3-bi-packed-hidden-seq-first",
        "gru-bi-handoff",
    )
}


@pytest.mark.parametrize("options", BROWSER_CASES.values(), ids=BROWSER_CASES.keys())
def test_every_slice_lights_the_cells_torch_says(driver: Any, pages: Path, options: dict[str, Any]) -> None:
    _check_every_slice(driver, pages, report_of(options), "fixed")


@settings(max_examples=4)
@given(configurations())
def test_generated_configurations_light_what_torch_says(
    driver: Any, pages: Path, options: dict[str, Any]
) -> None:
    _check_every_slice(driver, pages, report_of(options), "generated")


def test_a_wrong_map_fails(driver: Any, pages: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The backward final state taken at the last step, in the one source of truth: drawing and map
    agree, the page builds, and only torch can tell."""
    monkeypatch.setattr(diagram, "final_step", lambda direction, length: length - 1)
    report = report_of(CASES["rnn-bi-packed"])
    open_page(driver, pages, document(report, SHOWN), "wrong")
    wrong = {line.split(":")[0] for line in mismatches(report, click_every_slice(driver))}
    assert {"h_n[1]", "h_n[-1]"} <= wrong and "h_n[0]" not in wrong and "output[:, 0]" not in wrong


@pytest.mark.parametrize("name", ["notebook-cell-3", "rnn-bi-packed"])
def test_clicking_a_cell_lights_the_slices_holding_it(driver: Any, pages: Path, name: str) -> None:
    report = report_of(CASES[name])
    open_page(driver, pages, document(report, SHOWN), f"cells-{name}")
    truth = Truth(report.spec)
    on_page = {e.get_attribute("data-slice") for e in driver.find_elements("css selector", "[data-slice]")}
    holding = {x: truth.cells(x) for x in on_page}
    for target in driver.find_elements("css selector", "[data-cell],[data-gap]"):
        target.click()
        state = read(driver)
        if target.get_attribute("data-cell"):
            (cell,) = state["hl"]
            assert state["selected"] == {cell} and state["gaps"] == set()
            expected = {x for x, cells in holding.items() if cell in {_key(c) for c in cells}}
        else:
            (gap,) = state["gaps"]
            assert state["hl"] == set()
            expected = {
                x
                for x, cells in holding.items()
                if any(_gap(c) == gap and _key(c) not in state["cells"] for c in cells)
            }
        assert state["lit"] == expected, target.get_attribute("aria-label")
        assert state["on"] == set()


def test_the_keyboard_reaches_pins_and_clears(driver: Any, pages: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_page(driver, pages, document(report_of(CASES["notebook-cell-3"]), SHOWN), "keyboard")
    actions = ActionChains(driver)
    for _press in range(40):  # Tab from the top of the page until h_n[1]'s chip has the focus
        actions.send_keys(Keys.TAB).perform()
        if driver.execute_script("return document.activeElement.getAttribute('data-slice')") == "h_n[1]":
            break
    else:
        pytest.fail("Tab never reached h_n[1]")
    assert read(driver)["hl"] == {"0,1,0"}  # focus previews
    actions.send_keys(Keys.ENTER).perform()
    assert read(driver)["selected"] == {"0,1,0"}
    assert driver.execute_script("return document.activeElement.getAttribute('aria-pressed')") == "true"
    actions.send_keys(Keys.TAB).perform()  # the next chip, h_n[2], previews
    assert read(driver)["hl"] == {"1,0,5"}
    actions.send_keys(Keys.SPACE).perform()
    actions.send_keys(Keys.ESCAPE).perform()
    assert read(driver)["hl"] == set()
    # A table row is not a button: the script makes it focusable, and Enter pins it.
    row = driver.find_element("css selector", 'tr[data-slice="h_n[-1]"]')
    driver.execute_script("arguments[0].focus()", row)
    actions.send_keys(Keys.ENTER).perform()
    assert read(driver)["selected"] == {"1,1,0"}
    # Each grid is one Tab stop; the arrows move between cells, Enter selects one.
    cell = driver.find_element("css selector", '[data-cell="1,0,0"]')
    driver.execute_script("arguments[0].focus()", cell)
    actions.send_keys(Keys.ARROW_RIGHT).send_keys(Keys.ARROW_DOWN).send_keys(Keys.ENTER).perform()
    state = read(driver)
    assert state["selected"] == {"1,1,1"} and "output[..., 6:]" in state["lit"]


def test_hovering_previews_and_leaving_restores_the_pinned_slice(driver: Any, pages: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    open_page(driver, pages, document(report_of(CASES["notebook-cell-3"])), "hover")
    driver.find_element("css selector", '.gs-chip[data-slice="h_n[0]"]').click()
    actions = ActionChains(driver)
    actions.move_to_element(driver.find_element("css selector", '.gs-chip[data-slice="h_n[3]"]')).perform()
    assert read(driver)["hl"] == {"1,1,0"}
    actions.move_to_element(driver.find_element("css selector", ".gs-panel")).perform()
    assert read(driver)["hl"] == {"0,0,5"}


def test_a_slice_pinned_far_from_the_diagram_offers_to_show_it(driver: Any, pages: Path) -> None:
    open_page(
        driver, pages, document(report_for(make_spec(lengths="7,4,2", bidirectional=True)), SHOWN), "jump"
    )
    row = driver.find_element("css selector", 'tr[data-slice="h_n[-1]"]')
    driver.execute_script("arguments[0].scrollIntoView({block: 'end'})", row)
    row.click()
    jump = driver.find_element("css selector", ".gs-jump")
    assert jump.is_displayed()
    jump.click()
    assert not jump.is_displayed()
    lit = "const r = document.querySelector('[data-cell].hl').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight"
    assert driver.execute_script(lit)


def test_two_reports_on_one_page_keep_to_themselves(driver: Any, pages: Path) -> None:
    """A notebook shows each report's body in the same document: no id, no shared state."""
    first, second = (fragment(report_of(CASES[name])) for name in ("notebook-cell-3", "rnn-bi-packed"))
    open_page(driver, pages, f"<!doctype html><html><body>{first}{second}</body></html>", "notebook")
    assert driver.execute_script("return document.querySelectorAll('[data-gs-ready]').length") == 2
    driver.find_elements("css selector", '.gs-chip[data-slice="h_n[1]"]')[1].click()
    state = read(driver)
    assert state["hl"] == {"0,1,0@0", "0,1,0@1", "0,1,0@2"}


@pytest.mark.parametrize("name", ["notebook-cell-3", "gru-3-bi-packed-hidden-seq-first"])
def test_the_page_fetches_nothing(driver: Any, pages: Path, name: str) -> None:
    open_page(driver, pages, document(report_of(CASES[name]), SHOWN), f"offline-{name}")
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0


FIT = """
const bad = [], width = arguments[0];
for (const g of document.querySelectorAll('svg.net [role=rowheader], svg.net [data-cell], svg.net [data-gap]')) {
  const box = g.querySelector('rect').getBBox();
  for (const t of g.querySelectorAll('text')) {
    const r = t.getBBox();
    if (r.x < box.x + 2 || r.x + r.width > box.x + box.width - 2) bad.push(t.textContent + ' ' + r.width.toFixed(1) + '/' + box.width.toFixed(1));
  }
}
for (const e of document.querySelectorAll('.gs-chip, h2, h3, p, li, figcaption')) {
  if (e.scrollWidth > e.clientWidth + 1 && !e.closest('.gs-scroll, .gs-group')) bad.push('overflows: ' + e.textContent.slice(0, 40));
}
if (window.innerWidth !== width || document.documentElement.scrollWidth > width)
  bad.push('page wider than ' + width + ': ' + document.documentElement.scrollWidth + ' (innerWidth ' + window.innerWidth + ')');
return bad;
"""


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_labels_fit_their_boxes_and_nothing_overflows_at_360_px(driver: Any, pages: Path, lang: str) -> None:
    options = {"module": "LSTM", "proj_size": 4, "layers": 3, "bidirectional": True, "lengths": "9,3,5"}
    open_page(
        driver, pages, document(report_for(make_spec(**options, lang=lang)), ("index", "idioms")), "fit"
    )
    try:
        for width in (1000, 360):
            browser.set_viewport(driver, width, 800, dark=False)
            assert driver.execute_script(FIT, width) == [], width
    finally:
        browser.set_viewport(driver, 1000, 800, dark=False)


def test_light_and_dark_follow_the_system(driver: Any, pages: Path) -> None:
    open_page(driver, pages, document(report_of(CASES["notebook-cell-3"])), "schemes")
    background = "return getComputedStyle(document.querySelector('.gru-shapes')).backgroundColor"
    try:
        for dark, colour in ((True, "rgb(13, 17, 23)"), (False, "rgb(255, 255, 255)")):
            browser.set_viewport(driver, 1000, 800, dark)
            assert driver.execute_script(background) == colour
    finally:
        browser.set_viewport(driver, 1000, 800, dark=False)


def test_the_screenshot_script_pictures_the_page(driver: Any, tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "scripts"))
    import page_screenshot

    made = page_screenshot.shoot(driver, tmp_path)
    assert [path.name for path in made] == ["page.png", "page.ko.png"]
    for path in made:
        header = path.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(header[16:20], "big")
        assert width == (1000 if path.name == "page.png" else 360)
        assert re.fullmatch(r"page(\.ko)?\.png", path.name)
        assert (Path(__file__).parent.parent / "docs" / path.name).exists()


def test_without_its_script_the_page_is_the_static_report(driver: Any, pages: Path) -> None:
    """A viewer that strips scripts (GitHub's notebooks) shows the report and its diagram, and no
    chips or hint that would do nothing."""
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        open_page(driver, pages, document(report_of(CASES["notebook-cell-3"]), SHOWN), "static")
        shown = "return [...document.querySelectorAll(arguments[0])].filter(e => e.getClientRects().length).length"
        assert driver.execute_script("return 1") == 1  # scripts Selenium injects still run
        assert driver.execute_script(shown, ".gs-chip, .gs-status") == 0
        assert driver.execute_script(shown, "[data-cell]") == 16
        assert driver.execute_script(shown, "table") >= 3
    finally:
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})

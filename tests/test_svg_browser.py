"""The SVG report as a browser draws it: headless Chromium (Debian's chromium and chromium-driver)
renders the README's own ``--module lstm --all --format svg`` beside the plain-table SVG, and every
text run of the tables must be drawn alike in both. Skipped where there is no browser.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

# For each text element: its text, class, computed font size and fill, and the width of its glyphs
# as drawn without textLength (which would stretch any font to the same box).
_MEASURE = """
return Array.from(document.querySelectorAll('text')).map(t => {
  const style = getComputedStyle(t);
  const bare = t.cloneNode(true);
  bare.removeAttribute('textLength');
  bare.removeAttribute('lengthAdjust');
  t.parentNode.appendChild(bare);
  const width = bare.getBBox().width;
  bare.remove();
  return [t.textContent, t.getAttribute('class') || '', style.fontSize, style.fill, width];
});
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if CHROMIUM is None or DRIVER is None:
        pytest.skip("no chromium and chromedriver here (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not download a browser or a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ):  # fmt: skip
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _drawn(browser: Any, path: Path) -> list[list[Any]]:
    browser.get(path.as_uri())
    measured: list[list[Any]] = browser.execute_script(_MEASURE)
    return measured


def test_the_svg_with_the_diagram_draws_its_tables_as_the_plain_svg_does(
    browser: Any, cli: Cli, tmp_path: Path
) -> None:
    # The diagram's style rule `text { font-size: 13px }` applied to the tables' text too: it shrank
    # (and textLength spread it), and the dark title took the diagram's dark fill.
    plain, full = tmp_path / "plain.svg", tmp_path / "full.svg"
    plain.write_text(cli("--module", "lstm", "--format", "svg").stdout)
    full.write_text(cli("--module", "lstm", "--all", "--format", "svg").stdout)
    tables = {
        text: (size, fill, width) for text, kind, size, fill, width in _drawn(browser, plain) if text.strip()
    }
    seen = 0
    for text, kind, size, fill, width in _drawn(browser, full):
        if text in tables and kind.startswith("terminal-"):
            assert (size, fill) == tables[text][:2], text
            assert abs(width - tables[text][2]) <= 0.01 * tables[text][2] + 0.5, text  # hinting aside
            seen += 1
    assert seen > 20
    title = next(row for row in _drawn(browser, full) if row[1].endswith("-title"))
    assert title[3] == "rgb(197, 200, 198)"  # the light title of rich's dark window, as drawn alone

"""Photograph the interactive page that the README and docs/formats.md show, in headless Chromium.

    python scripts/page_screenshot.py [FOLDER]      # default: docs/

Writes page.png (`gru-shapes --layers 2 --bidirectional --format html`, the notebook's third cell, at
1000 px in the light scheme) and page.ko.png (the same in Korean, on a 360 px phone in the dark
scheme), each with h_n[1] pinned: its one cell, layer 0's backward cell at step 0, lit. Needs
Debian's chromium and chromium-driver, and selenium (the test extra); the browser test runs this.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gru_shapes.model.spec import make_spec  # noqa: E402
from gru_shapes.run.pipeline import report_for  # noqa: E402
from gru_shapes.show.page import document  # noqa: E402
from tests import browser  # noqa: E402

# name: (language, width, dark)
SHOTS = {"page.png": ("en", 1000, False), "page.ko.png": ("ko", 360, True)}


def shoot(driver: Any, folder: Path) -> list[Path]:
    """Each picture of :data:`SHOTS`, written into ``folder``."""
    made = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, (lang, width, dark) in SHOTS.items():
            page = Path(scratch) / f"{name}.html"
            page.write_text(document(report_for(make_spec(layers=2, bidirectional=True, lang=lang))))
            browser.set_viewport(driver, width, 800, dark)
            driver.get(page.as_uri())
            driver.find_element("css selector", '.gs-chip[data-slice="h_n[1]"]').click()
            browser.full_screenshot(driver, folder / name, width, dark)
            made.append(folder / name)
    browser.set_viewport(driver, 1000, 800, dark=False)
    return made


def main(folder: Path) -> None:
    missing = browser.available()
    if missing:
        sys.exit(missing)
    with browser.chromium() as driver:
        for path in shoot(driver, folder):
            print(path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs")

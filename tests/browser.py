"""Debian's headless Chromium, driven by Selenium through the system chromedriver.

Nothing is ever downloaded: the driver's path is given, SE_OFFLINE is set, and Selenium Manager
(which would fetch a driver or a browser) is replaced by a function that raises. ``available()``
says why the browser cannot run here, for the tests to skip with that reason. Shared by the browser
tests, the page benchmark and the screenshot script.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("GRU_SHAPES_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("GRU_SHAPES_CHROMEDRIVER", "/usr/bin/chromedriver"))
FLAGS = (
    "--headless",
    "--no-sandbox",  # containers have no user namespaces: Chromium exits at once without it
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)
INSTALL = "apt-get install chromium chromium-driver fonts-nanum"


def available() -> str | None:
    """None when the browser can run here, else why not."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (path.is_file() and os.access(path, os.X_OK)):
            return f"no browser: {path} is not installed ({INSTALL})"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "no browser driver: selenium is not installed (pip install -e '.[test]')"
    return None


def _forbid_selenium_manager() -> None:
    from selenium.webdriver.common import selenium_manager

    def refuse(*_args: object, **_kwargs: object) -> dict[str, str]:
        raise RuntimeError("Selenium Manager must not run: it downloads; pass the chromedriver path")

    selenium_manager.SeleniumManager.binary_paths = refuse  # type: ignore[method-assign]


@contextmanager
def chromium(width: int = 1000, height: int = 800) -> Iterator[Any]:
    """A started headless Chromium (a Selenium WebDriver); quit, and its profile removed, after."""
    os.environ["SE_OFFLINE"] = "true"
    _forbid_selenium_manager()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="gru-shapes-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        set_viewport(driver, width, height, dark=False)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def set_viewport(driver: Any, width: int, height: int, dark: bool) -> None:
    """The CSS viewport and prefers-color-scheme, through the DevTools protocol. Below 600 px it
    emulates a phone, which widens the layout to the content: compare widths with ``width``."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]},
    )


def full_screenshot(driver: Any, path: Path, width: int, dark: bool) -> None:
    """A PNG of the whole page at ``width`` CSS px, light or dark."""
    set_viewport(driver, width, 800, dark)
    height = driver.execute_script("return Math.ceil(document.documentElement.scrollHeight)")
    set_viewport(driver, width, max(height, 200), dark)
    driver.save_screenshot(str(path))
    set_viewport(driver, width, 800, dark)

"""Headless Chromium (Debian's chromium and chromedriver) through Selenium, as the browser tests and
scripts/bench-web.py start it."""

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def start(map_hosts=True):
    """A new headless Chromium. With `map_hosts`, every host name resolves to 127.0.0.1, so pages can be served on
    loopback under the names a property expects (shop.example.com, collect.shop.example.com)."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900"]
    if map_hosts:
        arguments.append("--host-resolver-rules=MAP * 127.0.0.1")
    for a in arguments:
        options.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait_for_library(driver, settle_ms=0):
    """Waits until the page has loaded and its Tagwire library has run its Window Loaded rules (one macrotask after
    the load event, plus `settle_ms`)."""
    driver.execute_async_script(
        "var settle = arguments[0], done = arguments[arguments.length - 1]; (function wait() {"
        " if (document.readyState === 'complete' && window._tagwire && window._tagwire.loaded)"
        " setTimeout(done, settle); else setTimeout(wait, 10); })();",
        settle_ms,
    )

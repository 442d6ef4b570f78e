"""Chromium (Debian's, through Playwright) against an app served on loopback, with a meter of
the bytes that reach the browser and Chrome's own network throttling: what a phone transfers
and how long it waits."""

from __future__ import annotations

import statistics
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
#: An ordinary smartphone, as in the browser tests.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "ja-JP", "timezone_id": "Asia/Tokyo"}
#: Slow 3G: 400 kbit/s each way (50,000 bytes a second), 400 ms round trip.
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 50_000,
           "uploadThroughput": 50_000}
UNTHROTTLED = {"offline": False, "latency": 0, "downloadThroughput": -1,
               "uploadThroughput": -1}

#: When the page painted first, and when DOMContentLoaded and load ended, in seconds from
#: the start of the navigation.
PAGE_TIMINGS = """() => {
  const navigation = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByType("paint");
  const first = paint.find((entry) => entry.name === "first-contentful-paint") || paint[0];
  return [first ? first.startTime / 1000 : null, navigation.domContentLoadedEventEnd / 1000,
          navigation.loadEventEnd / 1000];
}"""


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args) -> None:
        pass  # the figures, not one line per request


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """``app`` on a free loopback port, from a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="bench-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@contextmanager
def phone(base_url: str) -> Iterator:
    """A Playwright page in a phone-sized Chromium context."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=base_url, **PHONE)
            context.set_default_timeout(30_000)
            yield context.new_page()
        finally:
            browser.close()


@dataclass
class Transfer:
    """What reached the browser over the network: bytes (headers and encoded bodies) and
    requests, counting a 304 but not what came from its cache."""

    bytes: int = 0
    requests: int = 0
    encodings: frozenset[str] = frozenset()


class Meter:
    """Counts the bytes the page receives, through the Chrome DevTools Protocol."""

    def __init__(self, page) -> None:
        self.page = page
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.transfer = Transfer()
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.responseReceived", self._received)

    def _finished(self, event: dict) -> None:
        if event["encodedDataLength"] > 0:
            self.transfer.bytes += event["encodedDataLength"]
            self.transfer.requests += 1

    def _received(self, event: dict) -> None:
        headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
        if "content-encoding" in headers:
            self.transfer.encodings |= {headers["content-encoding"]}

    def start(self) -> None:
        self.transfer = Transfer()

    def finish(self) -> Transfer:
        """What reached the browser since ``start``, once the network has been quiet for
        half a second."""
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_timeout(100)  # the last loadingFinished events
        return replace(self.transfer)  # a copy: the meter goes on counting

    def measure(self, action: Callable[[], object]) -> Transfer:
        self.start()
        action()
        return self.finish()

    def network(self, conditions: dict) -> None:
        self.cdp.send("Network.emulateNetworkConditions", conditions)

    def forget_cache(self) -> None:
        self.cdp.send("Network.clearBrowserCache")

    def timings(self, path: str, *, cold: bool, repeat: int = 3) -> tuple[float, float, float]:
        """Median first paint, DOMContentLoaded and load of ``path`` on slow 3G."""
        samples = []
        for _ in range(repeat):
            if cold:
                self.forget_cache()
            self.network(SLOW_3G)
            try:
                self.page.goto(path, wait_until="load")
                self.page.wait_for_function(
                    "() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
                samples.append(self.page.evaluate(PAGE_TIMINGS))
            finally:
                self.network(UNTHROTTLED)
        return tuple(statistics.median(s[i] or 0.0 for s in samples) for i in range(3))

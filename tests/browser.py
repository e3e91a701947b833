"""A headless Chromium with the network blocked, for the pages the project writes (tests only).

Reuses the DevTools-protocol driver of the report's browser test (tests/test_report.py) and adds
what the documentation tests need: every request that is not `file:`/`data:`/`blob:`/`about:`
is blocked and recorded (so "no request leaves the machine" is an assertion, not a hope), failed
loads are recorded, and a page is given time to render (single-page apps like dbt's docs) by
polling a JavaScript expression until it is truthy.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.test_report import CDP, Chromium

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome-error:", "devtools:")


@dataclass
class PageVisit:
    value: object  # what the last evaluation of the expression returned (JSON-decoded)
    outside_requests: list[str] = field(default_factory=list)  # URLs a page tried to fetch from the network
    failed_requests: list[str] = field(default_factory=list)  # every load that failed, local or not
    errors: list[str] = field(default_factory=list)  # JavaScript exceptions and console errors


async def _visit(ws_url: str, url: str, expression: str, timeout: float, screenshot: Path | None) -> PageVisit:
    import base64

    import websockets

    async with websockets.connect(ws_url, max_size=256 * 1024 * 1024) as ws:
        cdp = CDP(ws)
        target = await cdp.send("Target.createTarget", {"url": "about:blank"})
        session = (await cdp.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}))["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            await cdp.send(f"{domain}.enable", session=session)
        # Block the network: every URL that is not local fails before it leaves the machine.
        await cdp.send("Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*", "ftp://*"]},
                       session=session)
        await cdp.send("Emulation.setDeviceMetricsOverride",
                       {"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
        await cdp.send("Page.navigate", {"url": url}, session=session)
        await cdp.wait_event("Page.loadEventFired", timeout=60)
        deadline = time.monotonic() + timeout
        value: object = None
        while True:
            result = await cdp.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                         "awaitPromise": True}, session=session)
            raw = result.get("result", {}).get("value")
            try:
                value = json.loads(raw) if isinstance(raw, str) else raw
            except ValueError:  # plain text, not JSON
                value = raw
            if value or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.25)
        if screenshot is not None:
            shot = await cdp.send("Page.captureScreenshot", {"format": "png"}, session=session)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        try:  # drain what arrived meanwhile
            while True:
                cdp.events.append(json.loads(await asyncio.wait_for(ws.recv(), 0.5)))
        except (asyncio.TimeoutError, TimeoutError):
            pass
        visit = PageVisit(value)
        urls: dict[str, str] = {}
        for ev in cdp.events:
            method, params = ev.get("method"), ev.get("params", {})
            if method == "Network.requestWillBeSent":
                request_url = params["request"]["url"]
                urls[params["requestId"]] = request_url
                if not request_url.startswith(LOCAL_SCHEMES):
                    visit.outside_requests.append(request_url)
            elif method == "Network.loadingFailed":
                visit.failed_requests.append(f"{urls.get(params['requestId'], '?')}: {params.get('errorText')}")
            elif method == "Runtime.exceptionThrown":
                visit.errors.append(json.dumps(params["exceptionDetails"])[:500])
            elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                visit.errors.append(json.dumps(params["args"])[:500])
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                visit.errors.append(params["entry"].get("text", "")[:500])
        await cdp.send("Target.closeTarget", {"targetId": target["targetId"]})
        return visit


def visit_offline(url: str, expression: str, timeout: float = 30, screenshot: Path | None = None) -> PageVisit:
    """Open `url` in headless Chromium with the network blocked; evaluate `expression` (a JS
    expression returning JSON text or a value) until it is truthy or `timeout` passes."""
    return visit_all_offline([url], expression, timeout, screenshot)[0]


def visit_all_offline(urls: list[str], expression: str, timeout: float = 30,
                      screenshot: Path | None = None) -> list[PageVisit]:
    """`visit_offline` for many pages, one browser for all of them (a page per URL, in turn);
    `screenshot` is taken of the first page."""
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
    browser = Chromium(CHROMIUM, profile)
    try:
        ws_url = browser.websocket_url()
        visits = []
        for i, url in enumerate(urls):
            visits.append(asyncio.run(asyncio.wait_for(
                _visit(ws_url, url, expression, timeout, screenshot if i == 0 else None), timeout + 120)))
        return visits
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)


def require_chromium() -> None:
    import pytest

    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian: apt-get update && apt-get install -y chromium); "
                    "the browser test needs /usr/bin/chromium")
    pytest.importorskip("websockets", reason="the browser test talks to chromium with `websockets`")

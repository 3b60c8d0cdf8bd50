"""A real browser on a real workspace: Debian's headless chromium driven by Selenium (``/usr/bin/chromium``,
``/usr/bin/chromedriver``; nothing downloads a browser), JavaScript off (the pages must work without it),
against a real uvicorn on a free loopback port serving the test namespace's Elasticsearch, indexed through the
real indexer handler. Screenshots go to ``.wirewatch/artifacts/screenshots/`` (printed at the end)."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.messages import enriched
from wirewatch.core import entities
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import EnrichedArticle

CHROMIUM = os.environ.get("WIREWATCH_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("WIREWATCH_CHROMEDRIVER", "/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".wirewatch" / "artifacts" / "screenshots"
HOSTILE_TITLE = '<script>alert("title")</script> "onmouseover=alert(1) x=" Sudani'
HOSTILE_NAME = '"onmouseover=alert(2) <b>Bold</b>'

WITHDRAWAL = (
    "Mohammed Shia al-Sudani said on Monday that the coalition had agreed a withdrawal timetable with Baghdad. "
    "Kataib Hezbollah welcomed the announcement, while officials in Baghdad said the withdrawal of the remaining "
    "troops would be complete by September. The agreement follows months of talks between the government and "
    "its partners, and diplomats described the mood in the capital as cautiously optimistic about what comes "
    "next for the country and its security forces after the coalition leaves."
)
OIL = (
    "Oil exports from Basra rose to a record in November, the Basra Oil Company said, as new terminals opened "
    "in the south. Hayan Abdul Ghani told reporters that output would rise again next year."
)
FRENCH = "Kataib Hezbollah a salué le retrait de la coalition d'Erbil, selon des responsables à Erbil."


def entity(text: str, name: str, kind: str, key: str | None = None) -> dict[str, Any]:
    """``name`` with a mention at each place it occurs in ``text``."""
    mentions, at = [], text.find(name)
    while at >= 0:
        mentions.append({"start": at, "end": at + len(name), "text": name})
        at = text.find(name, at + len(name))
    return {"name": name, "type": kind, "count": len(mentions), "mentions": mentions, "key": key}


def corpus(now: datetime) -> list[EnrichedArticle]:
    """Six articles over five days: one story with a copy, two languages, and one with hostile values."""

    def at(days: float) -> datetime:
        return now - timedelta(days=days)

    withdrawal_entities = [
        entity(WITHDRAWAL, "Mohammed Shia al-Sudani", "PERSON"),
        entity(WITHDRAWAL, "Kataib Hezbollah", "ORG"),
        entity(WITHDRAWAL, "Baghdad", "LOC"),
    ]
    common = {
        "persons": ["Mohammed Shia al-Sudani"],
        "organizations": ["Kataib Hezbollah"],
        "locations": ["Baghdad"],
        "entities": withdrawal_entities,
        "language": "en",
    }
    hostile_text = f"{HOSTILE_TITLE} was quoted. {HOSTILE_NAME} spoke in Baghdad."
    return [
        enriched(
            1,
            title="Coalition agrees withdrawal timetable",
            text=WITHDRAWAL,
            source="Northwire",
            published_at=at(0.1),
            fetched_at=at(0.1),
            authors=["Jane Roe"],
            **common,
        ),
        enriched(
            2,
            title="Coalition agrees withdrawal timetable",
            text=WITHDRAWAL,
            source="Levant Ledger",
            url="https://ledger.example/withdrawal",
            published_at=at(0.09),
            fetched_at=at(0.09),
            **common,
        ),
        enriched(
            3,
            title="Basra oil exports rise",
            text=OIL,
            source="Levant Ledger",
            language="en",
            published_at=at(1.2),
            fetched_at=at(1.2),
            persons=["Hayan Abdul Ghani"],
            organizations=["Basra Oil Company"],
            locations=["Basra"],
            entities=[entity(OIL, "Basra Oil Company", "ORG"), entity(OIL, "Hayan Abdul Ghani", "PERSON")],
        ),
        enriched(
            4,
            title="Retrait de la coalition",
            text=FRENCH,
            source="Gulf Times",
            language="fr",
            published_at=at(2.5),
            fetched_at=at(2.5),
            persons=[],
            organizations=["Kataib Hezbollah"],
            locations=["Erbil"],
            entities=[entity(FRENCH, "Kataib Hezbollah", "ORG"), entity(FRENCH, "Erbil", "LOC")],
        ),
        enriched(
            5,
            title="Sudani meets envoys on withdrawal",
            text="The prime minister Mohammed Shia al-Sudani spoke about the withdrawal briefly in Baghdad.",
            source="Northwire",
            language="en",
            published_at=at(4),
            fetched_at=at(4),
            persons=["Mohammed Shia al-Sudani"],
            organizations=[],
            locations=["Baghdad"],
        ),
        enriched(
            6,
            title=HOSTILE_TITLE,
            text=hostile_text,
            source=HOSTILE_NAME,
            language="en",
            url="javascript:alert(3)",
            authors=[HOSTILE_NAME],
            published_at=at(3),
            fetched_at=at(3),
            persons=[HOSTILE_NAME],
            organizations=[],
            locations=["Baghdad"],
            entities=[entity(hostile_text, HOSTILE_NAME, "PERSON"), entity(hostile_text, "Baghdad", "LOC")],
        ),
    ]


@pytest.fixture
async def indexed(initialised: CommonSettings) -> AsyncIterator[CommonSettings]:
    """The corpus written by the real indexer handler (articles, entity registry, stories), searchable."""
    from wirewatch.services.indexer.handler import IndexHandler

    es = make_es(initialised)
    try:
        handler = IndexHandler(
            es,
            alias=initialised.index_name("articles"),
            indexed_topic="unused",
            max_bytes=10_000_000,
            mentions_index=initialised.index_name(entities.FAMILY),
            stories_index=initialised.index_name("stories"),
        )
        for article in corpus(datetime.now(UTC)):  # one at a time, as copies arrive, so the second joins the first
            results = await handler([article])
            assert not any(isinstance(r, Exception) for r in results), results
        await es.indices.refresh(index=",".join(initialised.index_name(f) for f in ("articles", entities.FAMILY)))
    finally:
        await es.close()
    yield initialised


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    """A real uvicorn serving ``create_app`` in a thread of its own (its own event loop)."""

    def __init__(self, settings: CommonSettings, **workspace: Any) -> None:
        import uvicorn

        from wirewatch.workspace.app import create_app
        from wirewatch.workspace.settings import WorkspaceSettings

        port = free_port()
        update = {"topic_prefix": settings.topic_prefix, "index_prefix": settings.index_prefix}
        base = WorkspaceSettings(serve_port=port, **workspace)
        app = create_app(base.model_copy(update=update))
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, name="workspace-uvicorn", daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture
def workspace(indexed: CommonSettings) -> Iterator[Served]:
    with Served(indexed) as served:
        yield served


def _have_browser() -> str | None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if not missing:
        return None
    return f"{' and '.join(missing)} missing: apt-get install chromium chromium-driver (make test does it as root)"


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless chromium, JavaScript disabled, a fresh profile; closed after the test."""
    if (problem := _have_browser()) is not None:
        if os.environ.get("CI") or os.environ.get("WIREWATCH_STACK_STARTED"):
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="wirewatch-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


_TAKEN: list[Path] = []


class Screenshots:
    def __init__(self, driver: Any, prefix: str) -> None:
        self.driver, self.prefix = driver, prefix

    def __call__(self, name: str) -> Path:
        """Save the whole page (beyond the window) as ``<prefix>-<name>.png`` and return its path."""
        path = SCREENSHOTS / f"{self.prefix}-{name}.png"
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000), "scale": 1}
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"captureBeyondViewport": True, "clip": clip})
        path.write_bytes(base64.b64decode(shot["data"]))
        _TAKEN.append(path)
        return path


@pytest.fixture
def shoot(browser: Any, request: pytest.FixtureRequest) -> Screenshots:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in request.node.name.removeprefix("test_"))
    return Screenshots(browser, name)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _TAKEN:
        terminalreporter.write_line(f"workspace screenshots ({len(_TAKEN)}): {SCREENSHOTS}")


def click_through(driver: Any, element: Any, timeout: float = 30.0) -> None:
    """Click a link or a form's button and wait until the browser has left the page (the next one may
    otherwise be read too early: the old page's elements are still there, then go stale)."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def left(_driver: Any) -> bool:
        try:
            page.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:  # chromium, asked mid-navigation, names the old node otherwise
            if any(gone in str(error.msg) for gone in LEFT_PAGE_ERRORS):
                return True
            raise
        return False

    WebDriverWait(driver, timeout).until(left)


#: what chromium answers about an element of a page it is leaving (besides a stale element reference)
LEFT_PAGE_ERRORS = ("does not belong to the document", "No node with given id found")

"""``python -m demo``: the whole pipeline over the bundled sample outlets, then a summary.

1. serve ``demo/site`` on loopback and register its three feeds (and a rule about Kataib Hezbollah);
2. run all five workers until every sample article is searchable and the rule's webhook has fired (once per
   story: syndicated copies join their story's alert),
   noting how long after ``wirewatch run`` started the first article became searchable (the cold start);
3. print articles per feed, top people/organisations/places, an example search, the alert; stop the
   workers (the stack keeps running so you can go on with ``wirewatch search``);
4. leave the workspace (``wirewatch serve``, started detached beside step 2 so it costs no time) running with
   the stack and print its URL; ``make down`` (``wirewatch stack down``) stops it with the stack.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elasticsearch import AsyncElasticsearch
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from demo.report import print_summary
from demo.site_server import SITE, DemoServer
from wirewatch.core.es import make_es
from wirewatch.core.query import Filters, build_query
from wirewatch.core.secretbox import ensure_key_file
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.feeds import FeedStore, new_feed
from wirewatch.core.stores.rules import RuleStore, new_rule
from wirewatch.ops.stack import workspace
from wirewatch.services.fetcher.urls import canonicalize, document_id

console = Console(highlight=False)
FEEDS = {
    "/northwire/feed.xml": ("Northwire Daily", ["Iraq"]),
    "/levant/atom.xml": ("Levant Ledger", ["Iraq"]),
    "/gulf/feed.json": ("Gulf Monitor", ["Gulf"]),
}
RULE = "kataib-hezbollah"
RULE_QUERY = 'organizations:"Kataib Hezbollah" OR "Kataib Hezbollah"'
TIMEOUT_S = float(os.environ.get("WIREWATCH_DEMO_TIMEOUT", "300"))
POLL_S = 0.25


@dataclass
class Timings:
    """Seconds after ``wirewatch run`` started; ``first_s`` is None when the sample was already searchable
    (an earlier demo ingested it: its URLs are known, so this run fetches nothing new)."""

    first_s: float | None = None
    all_s: float = 0.0


def manifest() -> list[dict[str, Any]]:
    return json.loads((SITE / "MANIFEST.json").read_text())


async def register(es: AsyncElasticsearch, settings: CommonSettings, server: DemoServer) -> None:
    if settings.secret_key is None:  # the rule's secret and webhook are sealed: the stack's key file
        ensure_key_file(settings.state_dir)
    feeds = FeedStore(es, settings.index_name("feeds"))
    for path, (name, tags) in FEEDS.items():
        await feeds.add(new_feed(server.base + path, name=name, interval_s=2.0, tags=tags))
    secret = os.environ.get("WIREWATCH_DEMO_SECRET", "demo-secret")
    # one alert per story, as `wirewatch rules add` makes it: a syndicated copy joins its original's alert
    rule = new_rule(RULE, RULE_QUERY, webhooks=[server.hook_url], secret=secret, per="story")
    await RuleStore(es, settings.index_name("rules")).put(rule)


def start_workers(settings: CommonSettings) -> tuple[subprocess.Popen[bytes], Path, float]:
    """Start ``wirewatch run``; returns it, its log and the moment it was started (``time.monotonic``)."""
    log_path = Path(settings.state_dir) / "logs" / "demo-workers.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = os.environ | {
        "WIREWATCH_ALLOW_PRIVATE_NETWORKS": "true",
        # the three sample outlets share one loopback host: a 1 s gap per host would queue all 13 requests
        "WIREWATCH_FETCHER_MIN_DELAY_S": "0",
        "WIREWATCH_GAZETTEER_DIR": str(Path(__file__).parent / "gazetteers"),
    }
    with log_path.open("ab") as log:
        started = time.monotonic()
        proc = subprocess.Popen(
            # the workspace is the demo's own, detached: it outlives these workers
            [sys.executable, "-m", "wirewatch", "run", "--no-serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return proc, log_path, started


async def searchable(es: AsyncElasticsearch, settings: CommonSettings, ids: list[str]) -> set[str]:
    await es.indices.refresh(index=settings.index_name("articles"))
    response = await es.search(
        index=settings.index_name("articles"), query={"ids": {"values": ids}}, size=len(ids), source=False
    )
    return {hit["_id"] for hit in response.body["hits"]["hits"]}


async def alerts_expected(es: AsyncElasticsearch, settings: CommonSettings, ids: list[str]) -> int:
    """How many stories the demo rule selects among the sample articles: each must fire exactly one alert (an
    article the indexer put in no story is a story of its own)."""
    response = await es.search(
        index=settings.index_name("articles"),
        query=build_query(RULE_QUERY, Filters(ids=ids)),
        size=len(ids),
        source_includes=["story_id"],
    )
    return len({hit["_source"].get("story_id") or hit["_id"] for hit in response.body["hits"]["hits"]})


async def alerts_delivered(es: AsyncElasticsearch, settings: CommonSettings) -> int:
    response = await es.options(ignore_status=404).count(
        index=settings.index_name("alerts"),
        query={"bool": {"filter": [{"term": {"rule_name": RULE}}, {"term": {"status": "delivered"}}]}},
    )
    return int(response.body.get("count", 0)) if response.meta.status == 200 else 0


async def wait_for_pipeline(
    es: AsyncElasticsearch,
    settings: CommonSettings,
    ids: list[str],
    workers: subprocess.Popen[bytes],
    started: float,
    already: set[str],
) -> Timings:
    timings = Timings()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("articles searchable", total=len(ids))
        alert = progress.add_task("alerts delivered", total=None)
        while time.monotonic() - started < TIMEOUT_S:
            if workers.poll() is not None:
                raise RuntimeError(f"the workers exited with code {workers.returncode}")
            done = await searchable(es, settings, ids)
            progress.update(task, completed=len(done))
            if timings.first_s is None and done - already:
                timings.first_s = time.monotonic() - started
            expected = await alerts_expected(es, settings, ids)
            delivered = await alerts_delivered(es, settings)
            progress.update(alert, completed=delivered, total=expected or None)
            if len(done) == len(ids) and expected and delivered >= expected:
                timings.all_s = time.monotonic() - started
                return timings
            await asyncio.sleep(POLL_S)
    raise TimeoutError(f"the sample was not fully processed within {TIMEOUT_S:.0f}s")


def workspace_url() -> str:
    from wirewatch.cli.serve import workspace_url as url_of
    from wirewatch.workspace.settings import WorkspaceSettings

    return url_of(WorkspaceSettings())


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "healthz", timeout=2) as response:  # noqa: S310 - our loopback URL
            return bool(response.status == 200)
    except OSError:
        return False


def start_workspace(settings: CommonSettings, url: str) -> bool:
    """Start the workspace detached (its pid in the state dir, for ``stack down``) unless one already answers
    there; True if this run started it."""
    if answers(url):
        return False
    workspace.stop_recorded(Path(settings.state_dir), timeout=10)  # one that stopped answering
    workspace.start(Path(settings.state_dir), os.environ)
    return True


def wait_workspace(settings: CommonSettings, url: str, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while not answers(url):
        if time.monotonic() > deadline or (workspace.running(Path(settings.state_dir)) is None and not answers(url)):
            log = workspace.log_path(Path(settings.state_dir))
            raise RuntimeError(f"the workspace does not answer on {url} (its log: {log})")
        time.sleep(POLL_S)


def stop(workers: subprocess.Popen[bytes]) -> None:
    if workers.poll() is None:
        workers.send_signal(signal.SIGTERM)
        try:
            workers.wait(timeout=45)
        except subprocess.TimeoutExpired:
            workers.kill()


async def main() -> int:
    settings = CommonSettings()
    server = await DemoServer(int(os.environ.get("WIREWATCH_DEMO_PORT", "18765"))).start()
    es = make_es(settings)
    workers, log_path = None, None
    url, ours = workspace_url(), False
    try:
        entries = manifest()
        ids = [document_id(canonicalize(server.base + e["path"])) for e in entries]
        await register(es, settings, server)
        already = await searchable(es, settings, ids)
        console.print(f"serving {len(entries)} sample articles from 3 outlets at {server.base}; starting workers")
        ours = start_workspace(settings, url)
        workers, log_path, started = start_workers(settings)
        timings = await wait_for_pipeline(es, settings, ids, workers, started, already)
        await print_summary(console, es, settings, entries, ids, server, timings.all_s, timings.first_s)
        wait_workspace(settings, url)
        console.print(
            f"\n[bold]workspace: {url}[/bold] — search, facets, entities, rules; it keeps running with the stack "
            "(`make down` stops both)"
        )
        return 0
    except (RuntimeError, TimeoutError) as exc:
        if ours:
            workspace.stop_recorded(Path(settings.state_dir), timeout=10)
        console.print(f"[red]demo failed: {exc}[/red]")
        if log_path is not None and log_path.exists():
            console.print("\n".join(log_path.read_text(errors="replace").splitlines()[-40:]))
        return 1
    finally:
        if workers is not None:
            stop(workers)
        await es.close()
        await server.stop()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))

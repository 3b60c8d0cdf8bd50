"""Chaos bench: nothing lost, nothing duplicated, nothing let in — while workers are killed, Elasticsearch
freezes and the Kafka broker restarts.

``--articles`` synthetic articles (default 2,000, an eighth of the stories with one or two wire copies on
other feeds) on ``--feeds`` local feeds (50), two rules (per article, per story) matching a known tenth of
the stories, six planted poison inputs; during the flow every worker is killed with SIGKILL at seeded
random moments (plus 0–2 extra kills), Elasticsearch is SIGSTOPped for ``--freeze`` seconds (30) and the
broker is stopped with SIGTERM and started again through ``wirewatch stack up``. Then it checks every
article searchable once with its entities, each story one story in the index (copies included), every
alert (one per matching article, one per story) delivered once with a valid signature, the
dead-letter topic holding exactly the poison, every worker alive with no lag; and prints the figures,
ending with ``chaos: articles N, lost L, duplicated D, dead-lettered P of Q planted, drained in T s``.

Run it ONLY against a stack of your own (it freezes and restarts the servers), e.g.::

    export WIREWATCH_KAFKA_BOOTSTRAP=localhost:29092 WIREWATCH_KAFKA_CONTROLLER_PORT=29093 \\
           WIREWATCH_ES_URL=http://localhost:29200 WIREWATCH_ES_TRANSPORT_PORT=29300 \\
           WIREWATCH_STATE_DIR=/tmp/ww-chaos
    .venv/bin/wirewatch stack up
    .venv/bin/python -m bench.chaos --seed 1
    .venv/bin/wirewatch stack down --purge

On a local cluster of your own (``--brokers 3 --es-nodes 3``) the same drill replaces the freeze and the
restart by node faults (:mod:`bench.chaos.cluster`): kill -9 of the broker leading most partitions of
``articles.enriched`` and of the Elasticsearch node holding most primaries of the article index, each started
again after ``--node-down`` seconds, and a broker SIGSTOPped for ``--broker-stop`` seconds; it reports how
long each node was away and how long until every partition and shard was fully replicated again::

    export WIREWATCH_KAFKA_BOOTSTRAP=localhost:29092,localhost:29093,localhost:29094 \
           WIREWATCH_KAFKA_CONTROLLER_PORT=29095 WIREWATCH_ES_TRANSPORT_PORT=29300 \
           WIREWATCH_ES_URL=http://localhost:29200,http://localhost:29201,http://localhost:29202 \
           WIREWATCH_STACK_BROKERS=3 WIREWATCH_STACK_ES_NODES=3 WIREWATCH_STATE_DIR=/tmp/ww-chaos-cluster
    .venv/bin/wirewatch stack up
    .venv/bin/python -m bench.chaos --seed 1
    .venv/bin/wirewatch stack down --purge

Every run also reports the longest pause in indexing (:mod:`bench.chaos.pauses`). It uses its own topic and
index prefix and removes them afterwards (``--keep`` leaves them). Exit status 1 when any promise was broken.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import uuid
from pathlib import Path

from bench.chaos import ChaosParams, ChaosReport, NotOwnStack, OwnStack, run_chaos
from wirewatch.core.settings import CommonSettings
from wirewatch.ops.stack import drop_namespace, init


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--freeze", type=float, default=30.0, help="seconds Elasticsearch stays SIGSTOPped")
    parser.add_argument(
        "--extra-kills", type=int, default=None, help="kills beyond one per worker (default: seeded 0-2)"
    )
    parser.add_argument("--drain-timeout", type=float, default=900.0)
    parser.add_argument("--node-down", type=float, default=10.0, help="seconds a killed cluster node stays down")
    parser.add_argument("--broker-stop", type=float, default=25.0, help="seconds a broker stays SIGSTOPped")
    parser.add_argument(
        "--faults",
        default=None,
        help="explicit comma-separated plan, e.g. kill:parser,freeze-es,restart-kafka",
    )
    parser.add_argument("--ner-model", default=None, help="WIREWATCH_NER_MODEL for the extractor")
    parser.add_argument("--workdir", type=Path, default=None, help="logs, hosts file, gazetteer (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the drill's topics and indices")
    return parser.parse_args(argv)


def params_of(args: argparse.Namespace) -> ChaosParams:
    """The drill's parameters; ValueError for a plan naming a fault that does not exist."""
    return ChaosParams(
        seed=args.seed,
        articles=args.articles,
        feeds=args.feeds,
        es_freeze_s=args.freeze,
        extra_kills=args.extra_kills,
        faults=tuple(args.faults.split(",")) if args.faults else None,
        drain_timeout_s=args.drain_timeout,
        node_down_s=args.node_down,
        broker_stop_s=args.broker_stop,
        ner_model=args.ner_model,
    )


async def main(args: argparse.Namespace, params: ChaosParams) -> ChaosReport:
    tag = uuid.uuid4().hex[:6]
    settings = CommonSettings().model_copy(
        update={"topic_prefix": f"chaos{args.seed}x{tag}.", "index_prefix": f"chaos{args.seed}x{tag}"}
    )
    stack = OwnStack.of(settings)  # refuse before touching anything
    if stack.cluster is not None:
        shape = stack.cluster.stack
        print(f"a local cluster: {shape.stack_brokers} brokers, {shape.stack_es_nodes} Elasticsearch nodes", flush=True)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix=f"chaos-{args.seed}-"))
    print(
        f"chaos bench: seed {args.seed}, prefix {settings.topic_prefix}, state {settings.state_dir}, "
        f"logs {workdir / 'logs'}",
        flush=True,
    )
    await init(settings)
    try:
        return await run_chaos(settings, params, workdir, say=lambda line: print(line, flush=True))
    finally:
        if not args.keep:
            await drop_namespace(settings)


if __name__ == "__main__":
    arguments = parse_args()
    try:
        chosen = params_of(arguments)
    except ValueError as exc:
        sys.exit(f"chaos bench: {exc}")
    try:
        report = asyncio.run(main(arguments, chosen))
    except NotOwnStack as exc:
        sys.exit(f"chaos bench refused: {exc}")
    print("\n".join(report.lines()))
    for failure in report.failures():
        print(f"BROKEN: {failure}")
    sys.exit(1 if report.failures() else 0)

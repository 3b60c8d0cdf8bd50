"""The whole pipeline, measured end to end on the real stack, in one command.

    .venv/bin/python -m bench.pipeline [--quick] [--json PATH] [--keep] [--seed N] ...

Phases (one namespace ``wwbench<hex>``, initialised with ``wirewatch.ops.stack.init``, dropped at the end
unless ``--keep``):

1. **stages alone**: parser, trafilatura, raw ``nlp.pipe``, our ``enrich`` and ``async_bulk`` on the
   first ``--stage-articles`` of the generated articles (:mod:`bench.stages`), before any worker runs;
2. **saturation**: ``--preload`` articles are already in the feeds when the five workers start; the
   steady rate at which they become searchable (10th–90th percentile of their ``searchable_at``) is the
   end-to-end throughput; CPU seconds per article per worker are measured over this phase;
3. **latency**: for each ``--loads`` rate, new items appear at that rate for ``--duration`` s; per item,
   "appeared in its feed" → "searchable" (``articles.indexed``) and → "alert webhook received" (a rule
   matching ~20% of articles), with ``--drain`` s after the last item before the rest count as missed;
   then (unless ``--skip-websub``) the same at ``--websub-rate`` with **WebSub pushes**: the feeds advertise
   a loopback hub (:mod:`bench.websub`), the fetcher restarts with a callback, and once every feed is
   subscribed each item is pushed the moment it appears (load ``websub 5/s``, target p95 ≤ 1.0 s); a plain
   fetcher takes over again afterwards;
4. **scale-out**: the slowest stage's worker is stopped, a backlog builds up in its input topic, then it
   runs with one replica and with two (same consumer group); each rate is measured from the replicas'
   batch completions once every replica consumes (the group's rebalance is over), for at least
   ``--scale-window`` s; the ratio of their rates;
5. **backfill**: live feed→searchable latency at ``--backfill-rate`` articles/s, first with the pipeline
   idle, then while a backfill of everything ingested so far runs (``wirewatch.ops.replay.replay(settings,
   "parser")``, so parser, extractor and indexer all serve their backfill lane); the ratio of the two
   p95s (target ≤ 2) and the backfill's own rate (backfill-lane documents announced on
   ``articles.indexed`` per second while the live load ran).

Every saturation and load phase also gets a per-stage latency **waterfall** (p50/p95 per hop of the
articles' timelines as the indexer announced them, :mod:`bench.waterfall`), and the saturation phase each
worker's CPU share (busy vs idle or waiting).

The defaults are the full, quiet-machine protocol used for claims. ``--quick`` is a **smoke run**: its
figures are labelled as such and are not comparable. A run whose quiet samples (``start``, ``before
saturation``) show the machine busy with something else reports no ratio (``ratio_refused`` says why).

Writes ``bench/out/pipeline-report.md``, ``latency-cdf.png``, ``throughput.png``, ``waterfall.png`` and
(``--json``) a summary; see ``bench/README.md`` for how each figure is measured.

Modules: ``options`` (the defaults, ``--quick``, the command line), ``harness`` (one run's namespace, site,
observers and workers, and the helpers every phase shares), ``machine`` (conditions and CPU sampling),
``saturation`` (phases 1 and 2), ``latency`` (phase 3, polled and pushed), ``scaleout`` (phase 4),
``backfill`` (phase 5) and ``protocol`` (the phases in order, ``main()``).
"""

from __future__ import annotations

from bench.pipeline.harness import Bench
from bench.pipeline.machine import conditions
from bench.pipeline.options import QUICK, SCALABLE, Options, parse_args
from bench.pipeline.protocol import main, run

__all__ = ["QUICK", "SCALABLE", "Bench", "Options", "conditions", "main", "parse_args", "run"]

"""How much redundancy the cluster at hand gives, decided at ``init`` from what it has: the topics'
replication factor and ``min.insync.replicas`` from the number of brokers, the replicated indices' replica
count from the number of Elasticsearch data nodes. Overrides: ``WIREWATCH_TOPIC_REPLICATION`` (0 = auto) and
``WIREWATCH_ES_REPLICAS`` (-1 = auto).

One broker and one node give what the single-node stack always had (RF 1, ISR 1, no replicas); three
brokers give RF 3 with ``min.insync.replicas`` 2, so an ``acks=all`` write survives losing any one broker
and still refuses to land on a lone replica.
"""

from __future__ import annotations

#: never more copies than this, however many brokers there are
MAX_REPLICATION = 3
#: the index families whose documents the pipeline cannot rebuild cheaply: a copy on a second node
REPLICATED_INDICES = ("articles", "stories", "entity-mentions", "alerts")


def topic_replication(brokers: int, override: int = 0) -> int:
    """The replication factor of a new topic: ``override`` when set (> 0), else min(3, brokers)."""
    if override > 0:
        return override
    return max(1, min(MAX_REPLICATION, brokers))


def min_insync(replication: int) -> int:
    """``min.insync.replicas``: 2 from RF 3 on (one broker may be lost), else 1 (a write must still land)."""
    return 2 if replication >= MAX_REPLICATION else 1


def index_replicas(data_nodes: int, override: int = -1) -> int:
    """``number_of_replicas`` of the replicated indices: ``override`` when set (>= 0), else 1 with two or
    more data nodes (a replica on the same node as its primary is never allocated), else 0."""
    if override >= 0:
        return override
    return 1 if data_nodes >= 2 else 0

"""A local cluster's ports, paths, generated configurations and recorded shape (issue 18, item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.unit.ops.conftest import layout
from tests.unit.ops.test_stack_kafka import STATIC, properties
from wirewatch.ops.stack import cluster, elasticsearch, kafka
from wirewatch.ops.stack.processes import StackError
from wirewatch.ops.stack.settings import StackSettings

CLUSTER = {"kafka_bootstrap": "localhost:39092", "es_url": "http://localhost:39200"}


def three(**extra: object) -> StackSettings:
    return StackSettings.model_validate(CLUSTER | {"stack_brokers": 3, "stack_es_nodes": 3} | extra)


def test_ports_are_consecutive_and_controllers_follow_the_brokers() -> None:
    settings = three()
    assert settings.kafka_ports == [39092, 39093, 39094]
    assert settings.controller_ports == [39095, 39096, 39097]
    assert settings.kafka_servers == "localhost:39092,localhost:39093,localhost:39094"
    assert settings.es_http_ports == [39200, 39201, 39202] and settings.transport_ports == [39300, 39301, 39302]
    assert settings.es_cluster_urls == "http://localhost:39200,http://localhost:39201,http://localhost:39202"
    one = StackSettings.model_validate(CLUSTER)
    assert (one.kafka_ports, one.controller_ports) == ([39092], [39093])  # the single node as it always was


def test_an_explicit_controller_port_inside_the_brokers_range_is_refused() -> None:
    with pytest.raises(ValidationError, match="overlap the controller ports"):
        three(kafka_controller_port=39093)


def test_each_broker_has_its_id_ports_and_the_whole_quorum() -> None:
    props = properties(kafka.render_config(STATIC, three(), Path("/s/kafka-2/data"), node=2))
    assert props["node.id"] == "2"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:39093,CONTROLLER://127.0.0.1:39096"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:39095,2@127.0.0.1:39096,3@127.0.0.1:39097"
    assert props["offsets.topic.replication.factor"] == "3"
    assert props["transaction.state.log.min.isr"] == "2" and props["min.insync.replicas"] == "2"
    single = properties(kafka.render_config(STATIC, StackSettings.model_validate(CLUSTER), Path("/d")))
    assert "node.id" not in single and "offsets.topic.replication.factor" not in single


def test_elasticsearch_cluster_yml_drops_single_node_discovery() -> None:
    static = "node.name: wirewatch-local\ndiscovery.type: single-node\nxpack.security.enabled: false\n"
    assert elasticsearch.render_yml(static, StackSettings.model_validate(CLUSTER), 1) == static
    text = elasticsearch.render_yml(static, three(), 3)
    assert "single-node" not in text and text.count("node.name:") == 1
    assert "node.name: wirewatch-local-3" in text and "xpack.security.enabled: false" in text
    assert 'discovery.seed_hosts: ["127.0.0.1:39300", "127.0.0.1:39301", "127.0.0.1:39302"]' in text
    assert 'cluster.initial_master_nodes: ["wirewatch-local-1", "wirewatch-local-2", "wirewatch-local-3"]' in text


def test_node_paths_number_every_node_but_the_first(tmp_path: Path) -> None:
    first = layout(tmp_path, root=False)
    second = first.for_node(2)
    state = tmp_path / "state"
    assert (first.kafka_state, first.kafka_pid_file) == (state / "kafka", state / "kafka.pid")
    assert (second.kafka_state, second.kafka_pid_file) == (state / "kafka-2", state / "kafka-2.pid")
    assert second.cluster_id == first.cluster_id  # one cluster id for all brokers
    assert second.es_data == first.es_root.with_name(first.es_root.name + "-2") / "data"
    assert second.es_home == first.es_home  # one copy of the distribution
    assert len({first.es_out, second.es_out, first.kafka_log, second.kafka_log}) == 4


def test_shape_is_recorded_and_another_one_refused(tmp_path: Path) -> None:
    at = layout(tmp_path, root=False)
    at.state.mkdir()
    cluster.claim_shape(at, three())
    assert cluster.recorded(at, StackSettings.model_validate(CLUSTER)).stack_brokers == 3
    with pytest.raises(StackError, match="3 broker"):
        cluster.claim_shape(at, StackSettings.model_validate(CLUSTER))
    # a plain `up` (no count given) restarts the cluster that is there; a given count is kept
    assert cluster.unless_given(at, StackSettings.model_validate(CLUSTER)).stack_es_nodes == 3
    assert cluster.unless_given(at, StackSettings.model_validate(CLUSTER | {"stack_brokers": 1})).stack_brokers == 1


def test_rss_reads_the_status_file(tmp_path: Path) -> None:
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "status").write_text("Name:\tjava\nVmRSS:\t  629148 kB\n")
    assert cluster.rss(42, proc=tmp_path) == "614M"
    assert cluster.rss(None) == "-" and cluster.rss(43, proc=tmp_path) == "-"

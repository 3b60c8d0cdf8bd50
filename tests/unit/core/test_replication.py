"""Replication decided from the cluster at hand (issue 18): topic RF and min ISR from the broker count,
index replicas from the data nodes, the overrides, and the clients' side (idempotent producers, URL lists)."""

from __future__ import annotations

import ast
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from wirewatch.core.es import make_es, with_replicas
from wirewatch.core.kafka import make_app, new_topic
from wirewatch.core.redaction import redact_password
from wirewatch.core.replication import index_replicas, min_insync, topic_replication
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import TOPICS


@pytest.mark.parametrize(("brokers", "rf", "isr"), [(1, 1, 1), (2, 2, 1), (3, 3, 2), (5, 3, 2)])
def test_topic_replication_follows_the_brokers(brokers: int, rf: int, isr: int) -> None:
    assert topic_replication(brokers) == rf
    assert min_insync(topic_replication(brokers)) == isr


def test_topic_replication_override_wins() -> None:
    assert topic_replication(5, override=2) == 2
    assert topic_replication(0) == 1  # an empty metadata answer never asks for zero copies


@pytest.mark.parametrize(("nodes", "replicas"), [(1, 0), (2, 1), (3, 1), (0, 0)])
def test_index_replicas_follow_the_data_nodes(nodes: int, replicas: int) -> None:
    assert index_replicas(nodes) == replicas
    assert index_replicas(nodes, override=2) == 2


def test_new_topic_on_three_brokers() -> None:
    topic = new_topic(TOPICS["articles.enriched"], "t.", brokers=3)
    assert (topic.name, topic.num_partitions, topic.replication_factor) == ("t.articles.enriched", 6, 3)
    assert topic.topic_configs["min.insync.replicas"] == "2"
    single = new_topic(TOPICS["articles.enriched"], "t.", brokers=1)
    assert (single.replication_factor, single.topic_configs["min.insync.replicas"]) == (1, "1")


def test_only_replicated_families_get_replicas() -> None:
    def body() -> dict[str, Any]:
        return {"template": {"settings": {"index": {"number_of_replicas": 0}}}}

    assert with_replicas("articles", body(), 1)["template"]["settings"]["index"]["number_of_replicas"] == 1
    assert with_replicas("alerts", body(), 1)["template"]["settings"]["index"]["number_of_replicas"] == 1
    assert with_replicas("feeds", body(), 1)["template"]["settings"]["index"]["number_of_replicas"] == 0


def test_faust_producer_is_idempotent_with_acks_all(tmp_path: Path) -> None:
    app = make_app("probe", CommonSettings(state_dir=tmp_path))
    extra = app.producer._settings_extra()  # what the aiokafka producer is built with on top of faust's
    assert extra["enable_idempotence"] is True
    assert extra["acks"] == "all"


def test_every_producer_of_the_package_is_idempotent_with_acks_all() -> None:
    root = Path(__file__).resolve().parents[3]
    calls = [
        (path, node)
        for path in [*root.joinpath("wirewatch").rglob("*.py"), *root.joinpath("services").rglob("*.py")]
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "AIOKafkaProducer"
    ]
    assert calls, "the package makes producers"
    for path, call in calls:
        options = {
            kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg in ("acks", "enable_idempotence")
        }
        assert options == {"acks": "all", "enable_idempotence": True}, f"{path.name}:{call.lineno}"


def test_es_url_accepts_a_comma_list() -> None:
    settings = CommonSettings(es_url="http://a:9200/, http://b:9201")
    assert settings.es_urls == ["http://a:9200", "http://b:9201"]
    hosts = make_es(settings).transport.node_pool.all()
    assert sorted(node.config.port for node in hosts) == [9200, 9201]
    with pytest.raises(ValueError, match="one scheme"):
        CommonSettings(es_url="http://a:9200,https://b:9200")
    assert redact_password("http://u:pw@a:1,http://u:pw@b:2").count("pw") == 0


class _Node(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"cluster_name": "stub"}'
        self.send_response(200)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


async def test_a_dead_node_in_the_list_is_skipped_for_the_next() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = closed.getsockname()[1]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Node)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        live = server.server_address[1]
        for _ in range(6):  # the client starts at a random node: the dead one is picked first in some rounds
            es = make_es(CommonSettings(es_url=f"http://127.0.0.1:{dead},http://127.0.0.1:{live}"))
            try:
                assert (await es.info())["cluster_name"] == "stub"
            finally:
                await es.close()
    finally:
        server.shutdown()
        server.server_close()


def test_kafka_bootstrap_accepts_a_comma_list(tmp_path: Path) -> None:
    app = make_app("probe", CommonSettings(kafka_bootstrap="h1:1,h2:2,h3:3", state_dir=tmp_path))
    assert [url.port for url in app.conf.broker] == [1, 2, 3]

"""docker-compose.cluster.yml, merged over docker-compose.yml, is a 3-broker, 3-node cluster whose workers scale.

Every check runs on two renderings of the merge: the files merged here with compose's rules for the keys they use
(always), and the output of a real compose implementation's `config` (Debian's `docker-compose` 1.29 or the
`docker compose` v2 plugin: skipped on a developer machine without one, a failure in CI, as in test_compose.py).
The two forms differ in spelling (v1 writes `1g` and `name:/path:rw`, v2 bytes and long syntax): the helpers below
read both.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.contract.test_compose import (
    COMPOSE_FILE,
    ROOT,
    SECRETS,
    env_example_names,
    read_pins,
    required_variables,
    settings_class,
)
from wirewatch.core.es import make_es
from wirewatch.core.kafka import broker_urls
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import STAGES

CLUSTER_FILE = ROOT / "docker-compose.cluster.yml"
PROMETHEUS_CLUSTER = ROOT / "deploy" / "compose" / "prometheus-cluster.yml"
ES_CERTS = ROOT / "deploy" / "compose" / "es-certs.sh"
WORKERS = tuple(STAGES)
GIB = 1024**3
#: what every container may take together with `--scale extractor=3`: a 24 GB host keeps 4 GB or more for the
#: kernel, the Docker daemon and the page cache the brokers read from
MEMORY_BUDGET = 20 * GIB
SCALE = {"extractor": 3}

Services = dict[str, dict[str, Any]]


# --- the merge, two ways -------------------------------------------------------------------------------


def _target(volume: Any) -> str:
    return str(volume["target"]) if isinstance(volume, dict) else str(volume).split(":")[1]


def overlay(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Compose's merge of one service over another, for the keys these files use: mappings merge key by key,
    volumes by their path in the container, ports add up, anything else is replaced."""
    merged = dict(base)
    for key, value in extra.items():
        old = merged.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            merged[key] = overlay(old, value)
        elif key == "volumes" and isinstance(old, list):
            kept = [v for v in old if _target(v) not in {_target(w) for w in value}]
            merged[key] = kept + list(value)
        elif key == "ports" and isinstance(old, list):
            merged[key] = old + list(value)
        else:
            merged[key] = value
    return merged


def merged_by_hand() -> Services:
    base: Services = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))["services"]
    extra: Services = yaml.safe_load(CLUSTER_FILE.read_text(encoding="utf-8"))["services"]
    return {name: overlay(base.get(name, {}), extra.get(name, {})) for name in base.keys() | extra.keys()}


def run_config(command: list[str], tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`config` of both files with only the given variables (an empty --env-file keeps a developer's .env out)."""
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    files = ["-f", str(COMPOSE_FILE), "-f", str(CLUSTER_FILE)]
    return subprocess.run(
        [*command, "--env-file", str(empty_env_file), *files, "config"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def rendered(compose: list[str], tmp_path_factory: pytest.TempPathFactory) -> Services:
    result = run_config(compose, tmp_path_factory.mktemp("cluster"), SECRETS)
    assert result.returncode == 0, result.stderr
    services: Services = yaml.safe_load(result.stdout)["services"]
    return services


@pytest.fixture(params=["merged here", "compose config"])
def services(request: pytest.FixtureRequest) -> Services:
    if request.param == "merged here":
        return merged_by_hand()
    found: Services = request.getfixturevalue("rendered")
    return found


# --- reading either spelling ---------------------------------------------------------------------------


def env(service: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in service.get("environment", {}).items()}


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path → volume name or host path."""
    found = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            found[str(volume["target"])] = str(volume["source"])
        else:
            source, target, *_ = str(volume).split(":")
            found[target] = source
    return found


def published(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(host address, host port) of every published port."""
    found = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            found.append((str(port.get("host_ip", "")), str(port["published"])))
        else:
            host_ip, host_port, _ = str(port).removesuffix("/tcp").split(":")
            found.append((host_ip, host_port))
    return found


def memory_bytes(value: Any) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([bkmg]?)b?", str(value).strip().lower())
    assert match, f"unreadable memory limit {value!r}"
    return int(float(match.group(1)) * 1024 ** " kmg".index(match.group(2) or " "))


def heap_bytes(java_opts: str) -> int:
    [size] = re.findall(r"-Xmx(\d+[kmg])", java_opts)
    return memory_bytes(size)


def brokers(services: Services) -> Services:
    return {name: s for name, s in services.items() if str(s.get("image", "")).startswith("apache/kafka:")}


def es_nodes(services: Services) -> Services:
    """The Elasticsearch servers (the es-certs job runs the same image with a command of its own)."""
    image = "docker.elastic.co/elasticsearch/elasticsearch:"
    return {n: s for n, s in services.items() if str(s.get("image", "")).startswith(image) and "command" not in s}


def one_shot(service: dict[str, Any]) -> bool:
    return str(service.get("restart", "")) == "no"


# --- the checks ----------------------------------------------------------------------------------------


def test_the_merge_here_reads_both_spellings() -> None:
    assert overlay({"volumes": ["a:/x", "b:/y"], "ports": ["1:1"]}, {"volumes": ["c:/x"], "ports": ["2:2"]}) == {
        "volumes": ["b:/y", "c:/x"],
        "ports": ["1:1", "2:2"],
    }
    assert overlay({"environment": {"A": "1", "B": "2"}}, {"environment": {"B": "3"}}) == {
        "environment": {"A": "1", "B": "3"}
    }
    assert [memory_bytes(v) for v in ("1g", "1536m", "512M", 1073741824, "2gb")] == [
        GIB,
        1536 * 1024**2,
        512 * 1024**2,
        GIB,
        2 * GIB,
    ]
    assert mounts({"volumes": [{"type": "volume", "source": "d", "target": "/t"}, "e:/u:ro"]}) == {"/t": "d", "/u": "e"}
    long_port = {"host_ip": "127.0.0.1", "published": "29093", "target": 29093}
    assert published({"ports": [long_port, "127.0.0.1:29094:29094/tcp"]}) == [
        ("127.0.0.1", "29093"),
        ("127.0.0.1", "29094"),
    ]


def test_images_match_the_pinned_versions(services: Services) -> None:
    pins = read_pins()
    assert {s["image"] for s in brokers(services).values()} == {f"apache/kafka:{pins['KAFKA_VERSION']}"}
    es_image = f"docker.elastic.co/elasticsearch/elasticsearch:{pins['ES_VERSION']}"
    assert {s["image"] for s in es_nodes(services).values()} == {es_image}
    assert services["es-certs"]["image"] == es_image
    assert services["kibana"]["image"] == f"docker.elastic.co/kibana/kibana:{pins['ES_VERSION']}"


def test_three_kraft_nodes_with_one_quorum_of_three_voters(services: Services) -> None:
    nodes = brokers(services)
    assert len(nodes) == 3, sorted(nodes)
    ids = {name: env(s)["KAFKA_NODE_ID"] for name, s in nodes.items()}
    assert sorted(ids.values()) == ["1", "2", "3"], f"node ids must be distinct: {ids}"
    expected_voters = {f"{ids[name]}@{name}:9093" for name in nodes}
    for name, service in nodes.items():
        variables = env(service)
        assert set(variables["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")) == expected_voters, name
        assert variables["KAFKA_PROCESS_ROLES"] == "broker,controller", name
        assert f"PLAINTEXT://{name}:9092" in variables["KAFKA_ADVERTISED_LISTENERS"].split(","), name
        assert variables["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3", name
        assert variables["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == "3", name
        assert variables["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "2", name
        assert variables["KAFKA_MIN_INSYNC_REPLICAS"] == "2", name
        assert variables["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false", name
    assert len({env(s)["CLUSTER_ID"] for s in nodes.values()}) == 1, "the brokers must share one cluster id"
    data = [mounts(s)["/var/lib/kafka/data"] for s in nodes.values()]
    assert len(set(data)) == 3 and "kafka-data" not in data, f"each broker its own new volume: {data}"


def test_each_broker_advertises_the_host_port_it_publishes(services: Services) -> None:
    ports = []
    for name, service in brokers(services).items():
        [(host_ip, host_port)] = published(service)
        assert host_ip == "127.0.0.1", name
        assert f"HOST://localhost:{host_port}" in env(service)["KAFKA_ADVERTISED_LISTENERS"].split(","), name
        assert f"HOST://:{host_port}" in env(service)["KAFKA_LISTENERS"].split(","), name
        ports.append(host_port)
    assert len(set(ports)) == 3


def test_three_elasticsearch_nodes_in_one_cluster(services: Services) -> None:
    nodes = es_nodes(services)
    assert len(nodes) == 3, sorted(nodes)
    names = {env(s)["node.name"] for s in nodes.values()}
    assert len(names) == 3
    for name, service in nodes.items():
        variables = env(service)
        assert variables["cluster.name"] == "wirewatch", name
        assert variables["discovery.type"] != "single-node", name
        assert set(variables["discovery.seed_hosts"].split(",")) == set(nodes), name
        assert set(variables["cluster.initial_master_nodes"].split(",")) == names, name
        assert variables["xpack.security.enabled"] == "true", name
        # security on a multi-node cluster requires TLS between the nodes
        assert variables["xpack.security.transport.ssl.enabled"] == "true", name
        assert mounts(service)["/usr/share/elasticsearch/config/certs"] == "es-certs", name
        assert service["depends_on"]["es-certs"]["condition"] == "service_completed_successfully", name
    data = [mounts(s)["/usr/share/elasticsearch/data"] for s in nodes.values()]
    assert len(set(data)) == 3 and "es-data" not in data, f"each node its own new volume: {data}"


def test_the_certs_job_writes_the_keystore_the_nodes_read(services: Services) -> None:
    job = services["es-certs"]
    assert one_shot(job)
    [volume_path] = [path for path, source in mounts(job).items() if source == "es-certs"]
    script = ES_CERTS.read_text(encoding="utf-8")
    assert f'OUT="${{CERTS_DIR:-{volume_path}}}"' in script
    for service in es_nodes(services).values():
        variables = env(service)
        for key in ("keystore", "truststore"):
            path = variables[f"xpack.security.transport.ssl.{key}.path"]
            assert path.startswith("certs/"), path  # relative to config/, where the volume is mounted
            assert f'"$OUT/{path.removeprefix("certs/")}"' in script
    result = subprocess.run(["sh", "-n", str(ES_CERTS)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_workers_reach_every_broker_and_every_node(services: Services) -> None:
    bootstrap = {f"{name}:9092" for name in brokers(services)}
    es_urls = {f"http://{name}:9200" for name in es_nodes(services)}
    for name in (*WORKERS, "workspace", "setup"):
        variables = env(services[name])
        assert set(variables["WIREWATCH_KAFKA_BOOTSTRAP"].split(",")) == bootstrap, name
        urls = variables["WIREWATCH_ES_URL"].split(",")
        assert set(urls) == es_urls, name
        settings = CommonSettings(
            kafka_bootstrap=variables["WIREWATCH_KAFKA_BOOTSTRAP"], es_url=variables["WIREWATCH_ES_URL"]
        )
        assert len(broker_urls(settings)) == 3, name
        # the client factory takes what compose gives the workers, one node per URL
        assert len(make_es(settings).transport.node_pool.all()) == len(urls), name
    kibana_hosts = json.loads(env(services["kibana"])["ELASTICSEARCH_HOSTS"])
    assert set(kibana_hosts) == es_urls


def test_setup_waits_for_the_whole_cluster(services: Services) -> None:
    """init chooses the replication from what it sees: it must see 3 brokers and 3 nodes."""
    depends = services["setup"]["depends_on"]
    for name in (*brokers(services), *es_nodes(services)):
        assert depends[name]["condition"] == "service_healthy", name


@pytest.mark.parametrize("worker", WORKERS)
def test_workers_scale(services: Services, worker: str) -> None:
    """`--scale` needs no host port, no fixed name and no volume two replicas would share (the fetcher too, though
    it is not scaled this way: see the next test)."""
    service = services[worker]
    assert not service.get("ports"), f"{worker} publishes a host port: a second replica could not bind it"
    assert "container_name" not in service, f"{worker} has a fixed container name: a second replica cannot have it"
    assert not service.get("volumes"), f"{worker} mounts volumes its replicas would share"
    assert service["command"] == ["wirewatch", "worker", worker]


@pytest.mark.parametrize("worker", WORKERS)
def test_only_the_fetcher_numbers_its_replicas(services: Services, worker: str) -> None:
    """Replicas made by `--scale` are identical, so a stage scales that way only if its replicas need no number of
    their own: the consumer group splits the partitions. The fetcher splits its feeds by a number
    (WIREWATCH_FETCHER_REPLICA), so the cluster file says to keep one; if that changes, change the file's header
    and the README with it."""
    fields = settings_class(worker).model_fields
    numbered = f"{worker}_replica" in fields
    assert numbered == (worker == "fetcher")
    if numbered:
        assert f"WIREWATCH_{worker.upper()}_REPLICAS" not in env(services[worker]), "one fetcher owns every feed"
        assert f"Not the {worker}" in CLUSTER_FILE.read_text(encoding="utf-8")


def test_the_workspace_keeps_its_one_port(services: Services) -> None:
    assert published(services["workspace"]) == [("127.0.0.1", "8000")]


def test_nothing_has_a_fixed_container_name_or_an_open_host_port(services: Services) -> None:
    for name, service in services.items():
        assert "container_name" not in service, name
        for host_ip, _ in published(service):
            assert host_ip == "127.0.0.1", f"{name} publishes on every interface of the host"


def test_every_server_and_worker_has_a_healthcheck(services: Services) -> None:
    for name, service in services.items():
        if not one_shot(service):
            assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_memory_limits_fit_the_host(services: Services) -> None:
    limits = {name: memory_bytes(service.get("mem_limit", 0)) for name, service in services.items()}
    assert all(limits.values()), f"no memory limit: {sorted(n for n, v in limits.items() if not v)}"
    total = sum(limit * SCALE.get(name, 1) for name, limit in limits.items())
    assert total <= MEMORY_BUDGET, f"{total / GIB:.2f} GiB with {SCALE}, over {MEMORY_BUDGET / GIB:.0f} GiB"
    for name, service in es_nodes(services).items():
        # Elasticsearch wants half of its memory off-heap (Lucene reads through the page cache)
        assert heap_bytes(env(service)["ES_JAVA_OPTS"]) * 2 <= limits[name], name
    for name, service in brokers(services).items():
        assert heap_bytes(env(service)["KAFKA_HEAP_OPTS"]) < limits[name], name
    assert limits["extractor"] >= 1 * GIB, "the extractor holds about 600 MB with its model loaded"


def test_no_secret_is_written_in_the_file() -> None:
    text = CLUSTER_FILE.read_text(encoding="utf-8")
    keys = r"[A-Za-z_.]*(?:PASSWORD|SECRET|TOKEN|API_KEY)[A-Za-z_.]*"
    for match in re.finditer(rf"^\s*({keys}):\s*(.*)$", text, re.MULTILINE):
        value = match.group(2).strip()
        assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", value), (
            f"{match.group(1)} must come from a required variable (${{VAR:?…}}), not {value!r}"
        )


def test_env_example_lists_every_variable_the_cluster_requires() -> None:
    required, listed = required_variables(CLUSTER_FILE), env_example_names()
    assert required, "the cluster requires no variable? the pattern is broken"
    assert required <= listed, f"required by docker-compose.cluster.yml, missing from .env.example: {required - listed}"


def test_prometheus_finds_every_replica_of_every_worker(services: Services) -> None:
    assert mounts(services["prometheus"])["/etc/prometheus/prometheus.yml"].endswith(
        "deploy/compose/prometheus-cluster.yml"
    )
    config = yaml.safe_load(PROMETHEUS_CLUSTER.read_text(encoding="utf-8"))
    [job] = [job for job in config["scrape_configs"] if job["job_name"] == "wirewatch"]
    assert "static_configs" not in job, "a static target reaches one replica only"
    found = {name: sd["port"] for sd in job["dns_sd_configs"] for name in sd["names"] if sd["type"] == "A"}
    assert found == {worker: STAGES[worker].metrics_port for worker in WORKERS}
    for worker in WORKERS:
        assert env(services[worker])["WIREWATCH_METRICS_PORT"] == str(STAGES[worker].metrics_port)
    assert {"source_labels": ["__meta_dns_name"], "target_label": "worker"} in job["relabel_configs"]


def _fake_tools(bin_dir: Path, calls: Path) -> None:
    bin_dir.mkdir()
    curl = bin_dir / "curl"  # records its last argument (the URL) and answers 200
    curl.write_text(f'#!/bin/sh\nfor a in "$@"; do last="$a"; done\necho "$last" >> "{calls}"\nprintf 200\n')
    wirewatch = bin_dir / "wirewatch"
    wirewatch.write_text(f'#!/bin/sh\necho "wirewatch $*" >> "{calls}"\n')
    for tool in (curl, wirewatch):
        tool.chmod(0o755)


def test_setup_script_sets_the_kibana_password_through_one_node_of_the_list(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    _fake_tools(tmp_path / "bin", calls)
    urls = env(merged_by_hand()["setup"])["WIREWATCH_ES_URL"]
    result = subprocess.run(
        ["sh", str(ROOT / "deploy" / "compose" / "setup.sh")],
        env={
            "PATH": f"{tmp_path / 'bin'}:{Path(sys.executable).parent}:/usr/bin:/bin",
            "WIREWATCH_ES_URL": urls,
            "WIREWATCH_ES_PASSWORD": "p",
            "KIBANA_PASSWORD": "k",
            "TMPDIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first = urls.split(",")[0]
    assert calls.read_text().splitlines() == [f"{first}/_security/user/kibana_system/_password", "wirewatch stack init"]


# --- only a real compose implementation can say ----------------------------------------------------------


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_config_fails_without_a_secret(compose: list[str], tmp_path: Path, missing: str) -> None:
    result = run_config(compose, tmp_path, {k: v for k, v in SECRETS.items() if k != missing})
    assert result.returncode != 0
    assert missing in result.stderr


def test_the_new_nodes_get_the_secrets_from_the_environment(rendered: Services) -> None:
    for name in ("elasticsearch-2", "elasticsearch-3"):
        assert env(rendered[name])["ELASTIC_PASSWORD"] == SECRETS["ELASTIC_PASSWORD"]
    assert env(rendered["kibana"])["ELASTICSEARCH_PASSWORD"] == SECRETS["KIBANA_PASSWORD"]


def test_the_one_node_file_alone_is_unchanged_by_the_cluster(compose: list[str], tmp_path: Path) -> None:
    """The cluster file adds; the quick start alone renders no cluster service."""
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    result = subprocess.run(
        [*compose, "--env-file", str(empty_env_file), "-f", str(COMPOSE_FILE), "config", "--services"],
        cwd=ROOT,
        env={**base, **SECRETS},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    added = [name for name in result.stdout.split() if re.fullmatch(r"(kafka|elasticsearch)-\d|es-certs", name)]
    assert "kafka" in result.stdout.split() and added == []

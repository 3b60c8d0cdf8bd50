"""deploy/kubernetes renders with a real kustomize and its manifests agree with the code and deploy/versions.env.

Every kustomization (the base and each overlay) is built with ``kubectl kustomize`` (or a ``kustomize`` binary), in
a copy of the tree with a test ``secrets.env``. The rendered core kinds (Deployment, Service, Job, ConfigMap, …)
are validated, strictly, against the Kubernetes API schemas the ``kubernetes-validate`` package ships: nothing is
downloaded. The operators' resources (Strimzi, ECK, KEDA) are checked against the names the workers are given.
Without kustomize the rendering tests skip on a developer machine and fail in CI, where a skipped contract test
would hide a broken install.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.contract.test_compose import read_pins
from tests.contract.test_env_documented import read_variables, settings_classes
from tests.support.tools import require_tool
from wirewatch.schemas import STAGES, TOPICS

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
KUSTOMIZATIONS = sorted(
    path.parent.relative_to(KUBERNETES).as_posix() for path in KUBERNETES.rglob("kustomization.yaml")
)
OVERLAYS = [name for name in KUSTOMIZATIONS if name != "base"]
#: the oldest Kubernetes minor the manifests must validate against, and the newest the package knows
OLDEST_KUBERNETES = "1.30"
#: custom resources of the operators (no schema in kubernetes-validate): apiVersion per kind
CUSTOM = {
    "Kafka": "kafka.strimzi.io/v1beta2",
    "KafkaNodePool": "kafka.strimzi.io/v1beta2",
    "Elasticsearch": "elasticsearch.k8s.elastic.co/v1",
    "Kibana": "kibana.k8s.elastic.co/v1",
    "ScaledObject": "keda.sh/v1alpha1",
}
TEST_SECRETS = {
    "WIREWATCH_ES_PASSWORD": "k8s-test-elastic-secret",
    "WIREWATCH_SECRET_KEY": "Y29tcG9zZS10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE=",
    "WIREWATCH_SERVE_TOKEN": "k8s-test-workspace-token",
}
IMAGE = "wirewatch"


def kustomize_command() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        probe = subprocess.run(["kubectl", "version", "--client"], capture_output=True, text=True, check=False)
        if probe.returncode == 0 and "Kustomize" in probe.stdout:
            return ["kubectl", "kustomize"]
    return None


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of deploy/kubernetes with a secrets.env of test values (the real one is the user's, git-ignored)."""
    copy = tmp_path_factory.mktemp("kubernetes") / "kubernetes"
    shutil.copytree(KUBERNETES, copy, ignore=shutil.ignore_patterns("secrets.env"))
    lines = [f"{key}={value}" for key, value in TEST_SECRETS.items()]
    (copy / "base" / "secrets.env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return copy


@pytest.fixture(scope="module")
def rendered(tree: Path) -> dict[str, list[dict[str, Any]]]:
    missing = "no kustomize: kubectl (with its built-in kustomize) or a kustomize binary is needed"
    command = require_tool(kustomize_command(), missing)
    out: dict[str, list[dict[str, Any]]] = {}
    for name in KUSTOMIZATIONS:
        result = subprocess.run([*command, str(tree / name)], capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, f"{name} does not build: {result.stderr}"
        out[name] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return out


def find(docs: list[dict[str, Any]], kind: str, name: str | None = None) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind and (name is None or doc["metadata"]["name"] == name)]


def one(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    [doc] = find(docs, kind, name)
    return doc


def config(docs: list[dict[str, Any]]) -> dict[str, str]:
    [config_map] = find(docs, "ConfigMap")
    data: dict[str, str] = config_map["data"]
    return data


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = doc["spec"]["template"]["spec"]
    return spec


def containers(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    pod = pod_spec(doc)
    yield from pod.get("initContainers", [])
    yield from pod["containers"]


def main_container(doc: dict[str, Any]) -> dict[str, Any]:
    [container] = [c for c in pod_spec(doc)["containers"] if c["name"] == "wirewatch"]
    return container


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {entry["name"]: entry.get("value", entry.get("valueFrom")) for entry in container.get("env", [])}


def memory_mib(quantity: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(Mi|Gi)", quantity)
    assert match, f"memory {quantity!r}: write it in Mi or Gi"
    return float(match.group(1)) * (1024 if match.group(2) == "Gi" else 1)


def cpu_cores(quantity: str) -> float:
    return float(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


@cache
def secret_variables() -> frozenset[str]:
    return frozenset(read_variables(settings_classes())[1])


# --- rendering and schemas -----------------------------------------------------------------------------------


def test_every_overlay_is_found() -> None:
    assert "base" in KUSTOMIZATIONS
    assert {"overlays/operators", "overlays/keda"} <= set(OVERLAYS)


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_renders(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    kinds = {doc["kind"] for doc in rendered[name]}
    assert {"Deployment", "ConfigMap", "Secret", "Job", "Service", "PodDisruptionBudget"} <= kinds


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_core_kinds_validate_against_the_shipped_schemas(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    import kubernetes_validate
    from kubernetes_validate.utils import latest_version

    for version in (OLDEST_KUBERNETES, latest_version()):
        for doc in rendered[name]:
            if doc["kind"] in CUSTOM:
                assert doc["apiVersion"] == CUSTOM[doc["kind"]], f"{doc['kind']} {doc['apiVersion']}"
                continue
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                path = ".".join(str(part) for part in exc.path)
                pytest.fail(f"{name}: {doc['kind']}/{doc['metadata']['name']} at {path}: {exc.message} ({version})")


def test_the_validation_catches_a_broken_manifest(rendered: dict[str, list[dict[str, Any]]]) -> None:
    import kubernetes_validate

    deployment = dict(one(rendered["base"], "Deployment", "wirewatch-parser"))
    broken_field = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    broken_type = {**deployment, "spec": {**deployment["spec"], "replicas": "two"}}
    for broken in (broken_field, broken_type):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, OLDEST_KUBERNETES, strict=True)


# --- secrets -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_secrets_never_reach_a_config_map(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    for config_map in find(rendered[name], "ConfigMap"):
        assert not set(config_map["data"]) & secret_variables(), f"{name}: a secret setting in a ConfigMap"
        text = yaml.safe_dump(config_map)
        for value in TEST_SECRETS.values():
            assert value not in text
    [secret] = find(rendered[name], "Secret")
    assert set(secret["data"]) <= secret_variables(), "the Secret holds a variable that is no secret setting"


def test_no_secret_file_is_committed() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "deploy/kubernetes"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not [path for path in tracked if path.endswith("/secrets.env")]
    ignored = subprocess.run(["git", "check-ignore", "-q", "deploy/kubernetes/base/secrets.env"], cwd=ROOT, check=False)
    assert ignored.returncode == 0, "deploy/kubernetes/base/secrets.env must be git-ignored"


# --- workers, workspace, setup -------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", list(STAGES))
def test_worker_deployment(rendered: dict[str, list[dict[str, Any]]], stage: str) -> None:
    docs = rendered["base"]
    deployment = one(docs, "Deployment", f"wirewatch-{stage}")
    container = main_container(deployment)
    assert container["command"] == ["wirewatch", "worker", stage]
    port = STAGES[stage].metrics_port
    assert env_of(container)["WIREWATCH_METRICS_PORT"] == str(port)
    assert config(docs)["WIREWATCH_METRICS_HOST"] == "0.0.0.0"
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"), ("startupProbe", "/healthz")):
        get = container[probe]["httpGet"]
        assert get["path"] == path, f"{stage} {probe}"
        assert ports.get(get["port"], get["port"]) == port, f"{stage} {probe} does not call the metrics port"


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_every_container_has_requests_and_limits(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    for doc in find(rendered[name], "Deployment") + find(rendered[name], "Job"):
        for container in containers(doc):
            resources = container.get("resources", {})
            where = f"{doc['metadata']['name']}/{container['name']}"
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(kind, {})), f"{where} lacks {kind}"
            requests, limits = resources["requests"], resources["limits"]
            assert memory_mib(requests["memory"]) <= memory_mib(limits["memory"]), where
            assert cpu_cores(requests["cpu"]) <= cpu_cores(limits["cpu"]), where


def test_requests_cover_the_measured_memory(rendered: dict[str, list[dict[str, Any]]]) -> None:
    """RSS measured on this machine (issue 18): extractor ~600 MB with its one model process, the others ~100 MB,
    the workspace ~120 MB. The extractor's figure holds for one model process per pod only."""
    docs = rendered["base"]
    measured = {stage: 100 for stage in STAGES} | {"extractor": 600, "workspace": 120}
    for component, rss_mb in measured.items():
        requests = main_container(one(docs, "Deployment", f"wirewatch-{component}"))["resources"]["requests"]
        assert memory_mib(requests["memory"]) * 1.048576 >= rss_mb, component
    assert config(docs)["WIREWATCH_EXTRACTOR_PROCESSES"] == "1"
    assert config(docs)["WIREWATCH_EXTRACTOR_BACKFILL_PROCESSES"] == "0"


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_every_deployment_has_a_disruption_budget(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    budgets = find(rendered[name], "PodDisruptionBudget")
    for deployment in find(rendered[name], "Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        covering = [b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels.items()]
        assert len(covering) == 1, f"{deployment['metadata']['name']}: {len(covering)} PodDisruptionBudgets"
        assert "maxUnavailable" in covering[0]["spec"], "minAvailable would block a drain with one replica"


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_pods_run_unprivileged_on_a_read_only_root(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    docs = rendered[name]
    state_dir = config(docs)["WIREWATCH_STATE_DIR"]
    for doc in find(docs, "Deployment") + find(docs, "Job"):
        pod = pod_spec(doc)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert pod["automountServiceAccountToken"] is False
        empty_dirs = {volume["name"] for volume in pod["volumes"] if "emptyDir" in volume}
        for container in containers(doc):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False
            mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            assert mounts.get(state_dir) in empty_dirs and mounts.get("/tmp") in empty_dirs


def test_the_image_matches_its_build() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "--uid 10001" in text and "WIREWATCH_STATE_DIR=/var/lib/wirewatch" in text


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_setup_runs_before_anything_writes(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    """The Job runs `wirewatch stack init`; every Deployment runs the same first, as an init container."""
    docs = rendered[name]
    job = one(docs, "Job", "wirewatch-setup")
    assert main_container(job)["command"] == ["wirewatch", "stack", "init"]
    for deployment in find(docs, "Deployment"):
        [init] = pod_spec(deployment)["initContainers"]
        assert init["command"] == ["wirewatch", "stack", "init"], deployment["metadata"]["name"]
        assert init["envFrom"] == main_container(deployment)["envFrom"]


def test_the_commands_the_manifests_run_exist() -> None:
    import click

    from wirewatch.cli import cli

    context = click.Context(cli)
    stack = cli.get_command(context, "stack")
    assert isinstance(stack, click.Group) and stack.get_command(context, "init") is not None
    assert cli.get_command(context, "worker") is not None
    serve = cli.get_command(context, "serve")
    assert serve is not None and "--host" in {opt for p in serve.params for opt in p.opts}


async def test_probe_paths_answer_on_a_started_worker(rendered: dict[str, list[dict[str, Any]]]) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from wirewatch.core.metrics import Health, metrics_app

    container = main_container(one(rendered["base"], "Deployment", "wirewatch-indexer"))
    paths = {container[probe]["httpGet"]["path"] for probe in ("livenessProbe", "readinessProbe", "startupProbe")}
    health = Health("indexer")
    health.started = True
    async with TestClient(TestServer(metrics_app(health))) as client:
        for path in sorted(paths):
            assert (await client.get(path)).status == 200, path


def test_workspace(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["base"]
    deployment = one(docs, "Deployment", "wirewatch-workspace")
    container = main_container(deployment)
    assert container["command"] == ["wirewatch", "serve", "--host", "0.0.0.0"]
    [port] = container["ports"]
    assert str(port["containerPort"]) == config(docs)["WIREWATCH_SERVE_PORT"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port["name"]}
    service = one(docs, "Service", "wirewatch-workspace")
    assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert service["spec"]["ports"][0]["targetPort"] == port["name"]
    [secret] = find(docs, "Secret")
    assert "WIREWATCH_SERVE_TOKEN" in secret["data"]
    assert {"secretRef": {"name": secret["metadata"]["name"]}} in container["envFrom"]


# --- images and versions -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_every_wirewatch_container_runs_the_project_image(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    kustomization = yaml.safe_load((KUBERNETES / "base" / "kustomization.yaml").read_text(encoding="utf-8"))
    [entry] = [image for image in kustomization["images"] if image["name"] == IMAGE]
    expected = f"{entry['newName']}:{entry['newTag']}"
    for doc in find(rendered[name], "Deployment") + find(rendered[name], "Job"):
        for container in containers(doc):
            assert container["image"] == expected, f"{doc['metadata']['name']}/{container['name']}"


def test_operator_versions_follow_versions_env(rendered: dict[str, list[dict[str, Any]]]) -> None:
    pins = read_pins()
    docs = rendered["overlays/operators"]
    kafka = one(docs, "Kafka", "wirewatch")["spec"]["kafka"]
    assert kafka["version"] == pins["KAFKA_VERSION"]
    major_minor = ".".join(pins["KAFKA_VERSION"].split(".")[:2])
    assert str(kafka["metadataVersion"]).startswith(f"{major_minor}-")
    assert one(docs, "Elasticsearch", "wirewatch")["spec"]["version"] == pins["ES_VERSION"]
    assert one(docs, "Kibana", "wirewatch")["spec"]["version"] == pins["ES_VERSION"]


# --- the operators' clusters, wired ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["overlays/operators", "overlays/keda"])
def test_workers_reach_the_operators_clusters(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    docs = rendered[name]
    [kafka] = find(docs, "Kafka")
    cluster = kafka["metadata"]["name"]
    [pool] = find(docs, "KafkaNodePool")
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == cluster
    assert pool["spec"]["replicas"] == 3 and set(pool["spec"]["roles"]) == {"broker", "controller"}
    assert kafka["metadata"]["annotations"]["strimzi.io/kraft"] == "enabled"
    assert kafka["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False
    [listener] = [item for item in kafka["spec"]["kafka"]["listeners"] if item["tls"] is False]
    settings = config(docs)
    assert settings["WIREWATCH_KAFKA_BOOTSTRAP"] == f"{cluster}-kafka-bootstrap:{listener['port']}"

    [elastic] = find(docs, "Elasticsearch")
    es = elastic["metadata"]["name"]
    assert sum(node_set["count"] for node_set in elastic["spec"]["nodeSets"]) == 3
    assert one(docs, "Kibana", "wirewatch")["spec"]["elasticsearchRef"]["name"] == es
    assert settings["WIREWATCH_ES_URL"] == f"https://{es}-es-http:9200"
    assert settings["WIREWATCH_ES_USERNAME"] == "elastic"
    for doc in find(docs, "Deployment") + find(docs, "Job"):
        volumes = {volume["name"]: volume for volume in pod_spec(doc)["volumes"]}
        for container in containers(doc):
            where = f"{doc['metadata']['name']}/{container['name']}"
            password = env_of(container)["WIREWATCH_ES_PASSWORD"]
            assert password == {"secretKeyRef": {"name": f"{es}-es-elastic-user", "key": "elastic"}}, where
            mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            ca = Path(settings["WIREWATCH_ES_CA_CERTS"])
            volume = volumes[mounts[str(ca.parent)]]
            assert volume["secret"]["secretName"] == f"{es}-es-http-certs-public", where
            assert ca.name == "ca.crt"


def test_keda_scales_the_extractor_on_its_own_lag(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["overlays/keda"]
    [scaled] = find(docs, "ScaledObject")
    target = scaled["spec"]["scaleTargetRef"]["name"]
    deployment = one(docs, "Deployment", target)
    assert main_container(deployment)["command"] == ["wirewatch", "worker", "extractor"]
    assert "replicas" not in deployment["spec"], "KEDA owns the replica count: apply must not reset it"
    settings = config(docs)
    prefix = settings["WIREWATCH_TOPIC_PREFIX"]
    [trigger] = scaled["spec"]["triggers"]
    assert trigger["type"] == "kafka"
    meta = trigger["metadata"]
    assert meta["bootstrapServers"] == settings["WIREWATCH_KAFKA_BOOTSTRAP"]
    assert meta["consumerGroup"] == f"{prefix}extractor"  # the faust app id (wirewatch.core.kafka.make_app)
    source = STAGES["extractor"].input
    assert meta["topic"] == f"{prefix}{source}"
    assert scaled["spec"]["maxReplicaCount"] == TOPICS[source].partitions
    assert 1 <= scaled["spec"]["minReplicaCount"] <= scaled["spec"]["maxReplicaCount"]


@pytest.mark.parametrize("name", ["overlays/operators", "overlays/keda"])
def test_kibana_gets_the_saved_objects(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    docs = rendered[name]
    [kibana] = find(docs, "Kibana")
    job = one(docs, "Job", "wirewatch-kibana-setup")
    container = main_container(job)
    script = ROOT / "deploy" / "compose" / "kibana-import.sh"
    assert container["command"] == ["sh", f"/app/{script.relative_to(ROOT).as_posix()}"] and script.exists()
    text = script.read_text(encoding="utf-8")
    assert "KIBANA_URL" in text and "WIREWATCH_ES_PASSWORD" in text and "curl" in text
    env = env_of(container)
    cluster = kibana["metadata"]["name"]
    assert env["KIBANA_URL"] == f"https://{cluster}-kb-http:5601"
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod_spec(job)["volumes"]}
    ca = Path(env["CURL_CA_BUNDLE"])  # curl's own variable: the script's curl trusts ECK's CA
    assert volumes[mounts[str(ca.parent)]]["secret"]["secretName"] == f"{cluster}-kb-http-certs-public"
    assert ca.name == "ca.crt"

"""docker-compose.yml is valid for a real compose implementation and agrees with the rest of deploy/.

The structural checks read the YAML directly and always run. The `config` checks need a compose
implementation (Debian's `docker-compose` 1.29, or the `docker compose` v2 plugin): without one they
skip on a developer machine and fail in CI, where a skipped contract test would hide a broken install.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from wirewatch.ops.settings_table import env_name
from wirewatch.schemas import STAGES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
VERSIONS_ENV = ROOT / "deploy" / "versions.env"
PROMETHEUS = ROOT / "deploy" / "prometheus" / "prometheus.yml"
WORKERS = tuple(STAGES)
DEFAULT_PINS = {"KAFKA_VERSION": "3.9.1", "ES_VERSION": "9.3.2"}
SECRETS = {
    "ELASTIC_PASSWORD": "compose-test-elastic-secret",
    "KIBANA_PASSWORD": "compose-test-kibana-secret",
    "WIREWATCH_SECRET_KEY": "Y29tcG9zZS10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE=",
    "WIREWATCH_SERVE_TOKEN": "compose-test-workspace-token",
}


def read_pins(path: Path = VERSIONS_ENV) -> dict[str, str]:
    """KEY=VALUE lines of deploy/versions.env (comments, blanks and an optional `export` ignored)."""
    if not path.exists():
        return dict(DEFAULT_PINS)
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if sep:
            pins[key.strip()] = value.strip().strip("'\"")
    return pins


def raw_compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return data


# --- structure, read straight from the file ------------------------------------------------------------


def test_read_pins_parses_versions_env(tmp_path: Path) -> None:
    env = tmp_path / "versions.env"
    env.write_text("# pins\nKAFKA_VERSION=4.1.0\n\nexport ES_VERSION='9.9.9'\nJUNK\n")
    assert read_pins(env) == {"KAFKA_VERSION": "4.1.0", "ES_VERSION": "9.9.9"}
    assert read_pins(tmp_path / "absent.env") == DEFAULT_PINS


def test_images_match_the_pinned_versions() -> None:
    pins = read_pins()
    services = raw_compose()["services"]
    assert services["kafka"]["image"] == f"apache/kafka:{pins['KAFKA_VERSION']}"
    assert services["elasticsearch"]["image"] == (f"docker.elastic.co/elasticsearch/elasticsearch:{pins['ES_VERSION']}")
    assert services["kibana"]["image"] == f"docker.elastic.co/kibana/kibana:{pins['ES_VERSION']}"
    prometheus = services["prometheus"]["image"]
    assert re.fullmatch(r"prom/prometheus:v\d+\.\d+\.\d+", prometheus), f"unpinned {prometheus}"


def test_no_password_is_written_in_the_file() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    for match in re.finditer(r"^\s*([A-Za-z_.]*PASSWORD[A-Za-z_.]*):\s*(.*)$", text, re.MULTILINE):
        value = match.group(2).strip()
        assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", value), (
            f"{match.group(1)} must come from a required variable (${{VAR:?…}}), not {value!r}"
        )


@pytest.mark.parametrize("worker", WORKERS)
def test_worker_service(worker: str) -> None:
    service = raw_compose()["services"][worker]
    assert service["command"] == ["wirewatch", "worker", worker]
    assert service["build"]["context"] == "."
    depends = service["depends_on"]
    assert depends["kafka"]["condition"] == "service_healthy"
    assert depends["elasticsearch"]["condition"] == "service_healthy"
    assert depends["setup"]["condition"] == "service_completed_successfully"
    env = service["environment"]
    assert env["WIREWATCH_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert env["WIREWATCH_ES_URL"] == "http://elasticsearch:9200"
    assert env["WIREWATCH_ES_USERNAME"] == "elastic"
    assert env["WIREWATCH_ES_PASSWORD"].startswith("${ELASTIC_PASSWORD:?")
    port = STAGES[worker].metrics_port
    assert env["WIREWATCH_METRICS_PORT"] == str(port)
    assert f"127.0.0.1:{port}/healthz" in " ".join(service["healthcheck"]["test"])


def settings_class(worker: str) -> type[BaseSettings]:
    """The one Settings class in ``wirewatch.services.<worker>.settings``."""
    module = importlib.import_module(f"wirewatch.services.{worker}.settings")
    found = {
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, BaseSettings) and value.__module__ == module.__name__
    }
    assert len(found) == 1, f"{module.__name__} should define one Settings class, not {found}"
    return found.pop()


@pytest.mark.parametrize("worker", WORKERS)
def test_every_variable_a_worker_service_sets_is_a_setting_of_that_worker(worker: str) -> None:
    cls = settings_class(worker)
    known = {env_name(name, field) for name, field in cls.model_fields.items()}
    env = raw_compose()["services"][worker]["environment"]
    unknown = sorted(set(env) - known)
    assert not unknown, f"the {worker} service sets variables {cls.__name__} does not read: {unknown}"
    required = sorted(env_name(name, field) for name, field in cls.model_fields.items() if field.is_required())
    assert set(required) <= set(env), f"the {worker} service leaves required settings unset: {required}"


def test_every_stage_has_a_service_and_every_worker_service_is_a_stage() -> None:
    services = raw_compose()["services"]
    workers = {name for name, service in services.items() if service.get("command", [])[:2] == ["wirewatch", "worker"]}
    assert workers == set(STAGES)


def test_workspace_service_serves_on_every_interface_with_a_required_token() -> None:
    from wirewatch.workspace.settings import WorkspaceSettings

    service = raw_compose()["services"]["workspace"]
    assert service["command"] == ["wirewatch", "serve", "--host", "0.0.0.0"]
    assert service["build"]["context"] == "."
    assert service["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    env = service["environment"]
    assert re.fullmatch(r"\$\{WIREWATCH_SERVE_TOKEN:\?[^}]*\}", env["WIREWATCH_SERVE_TOKEN"])
    port = env["WIREWATCH_SERVE_PORT"]
    assert service["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert f"127.0.0.1:{port}/healthz" in " ".join(service["healthcheck"]["test"])
    known = {env_name(name, field) for name, field in WorkspaceSettings.model_fields.items()}
    assert sorted(set(env) - known) == [], "the workspace service sets variables WorkspaceSettings does not read"


def test_every_published_port_is_bound_to_loopback() -> None:
    for name, service in raw_compose()["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface of the host"


def test_workspace_healthcheck_answers_without_the_token_it_requires() -> None:
    from fastapi.testclient import TestClient

    from wirewatch.workspace.app import create_app
    from wirewatch.workspace.settings import WorkspaceSettings

    settings = WorkspaceSettings(serve_host="0.0.0.0", serve_token=SECRETS["WIREWATCH_SERVE_TOKEN"])
    [url] = re.findall(
        r"http://127\.0\.0\.1:\d+(/\w+)", " ".join(raw_compose()["services"]["workspace"]["healthcheck"]["test"])
    )
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        assert client.get(url).status_code == 200
        assert client.get("/api/status").status_code == 401


def test_infrastructure_has_healthchecks_and_setup_waits_for_it() -> None:
    services = raw_compose()["services"]
    for name in ("kafka", "elasticsearch", "kibana", "prometheus"):
        assert services[name]["healthcheck"]["test"], f"{name} has no healthcheck"
    setup = services["setup"]
    assert setup["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert setup["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
    assert setup["command"][-1].endswith("deploy/compose/setup.sh")
    assert services["kibana-setup"]["depends_on"]["kibana"]["condition"] == "service_healthy"
    assert services["kibana-setup"]["command"][-1].endswith("deploy/compose/kibana-import.sh")
    es_env = services["elasticsearch"]["environment"]
    assert es_env["xpack.security.enabled"] == "true"
    assert es_env["discovery.type"] == "single-node"


def test_compose_scripts_exist_and_do_their_jobs() -> None:
    setup = (ROOT / "deploy" / "compose" / "setup.sh").read_text(encoding="utf-8")
    assert "wirewatch stack init" in setup and "/_security/user/kibana_system/_password" in setup
    kibana = (ROOT / "deploy" / "compose" / "kibana-import.sh").read_text(encoding="utf-8")
    assert "/api/saved_objects/_import" in kibana and "*.ndjson" in kibana
    for script in ("setup.sh", "kibana-import.sh"):
        result = subprocess.run(
            ["sh", "-n", str(ROOT / "deploy" / "compose" / script)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr


def test_prometheus_scrapes_every_worker_on_its_port() -> None:
    config = yaml.safe_load(PROMETHEUS.read_text(encoding="utf-8"))
    targets = {
        target for job in config["scrape_configs"] for group in job["static_configs"] for target in group["targets"]
    }
    services = raw_compose()["services"]
    for worker in WORKERS:
        port = services[worker]["environment"]["WIREWATCH_METRICS_PORT"]
        assert port == str(STAGES[worker].metrics_port)
        assert f"{worker}:{port}" in targets
    mount = "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro"
    assert mount in services["prometheus"]["volumes"]


def test_dockerfile() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.MULTILINE)
    # the install itself is the shared recipe (tests/install replays it into a fresh environment)
    recipe = (ROOT / "deploy" / "install.sh").read_text(encoding="utf-8")
    assert "sh deploy/install.sh /opt/venv deps" in text and "sh deploy/install.sh /opt/venv project" in text
    assert "--require-hashes -r requirements.lock" in recipe
    assert "--require-hashes -r requirements-models.lock" in recipe
    assert re.search(r"pip install -q --python \S+ --no-deps --no-build-isolation \.", recipe)
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users and users[-1] not in ("root", "0"), "the image must run as a non-root user"


def test_env_example_documents_the_secrets_without_values() -> None:
    values = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.startswith("#")
    )
    for name in SECRETS:
        assert values.get(name) == "", f"{name} must be listed, empty"


def required_variables(compose_file: Path) -> set[str]:
    """The variables a compose file requires (``${VAR:?…}``)."""
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?", compose_file.read_text(encoding="utf-8")))


def env_example_names() -> set[str]:
    """The variables `.env.example` lists, set or commented out."""
    return {
        line.split("=", 1)[0].lstrip("#").strip()
        for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
        if "=" in line
    }


def test_env_example_lists_every_variable_compose_requires() -> None:
    required, listed = required_variables(COMPOSE_FILE), env_example_names()
    assert required, "compose requires no variable? the pattern is broken"
    assert required <= listed, f"required by docker-compose.yml, missing from .env.example: {required - listed}"


async def test_worker_healthchecks_call_an_endpoint_the_worker_serves() -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from wirewatch.core.metrics import Health, metrics_app

    for worker in WORKERS:
        [url] = re.findall(
            r"http://127\.0\.0\.1:\d+(/\w+)", " ".join(raw_compose()["services"][worker]["healthcheck"]["test"])
        )
        health = Health(worker)
        async with TestClient(TestServer(metrics_app(health))) as client:
            response = await client.get(url)
            assert response.status == 200, f"{worker}'s healthcheck calls {url}, which answers {response.status}"


# --- a real compose implementation ---------------------------------------------------------------------


def compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def run_config(compose: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`config` with only the given variables: an empty --env-file so a developer's .env cannot leak in."""
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return subprocess.run(
        [*compose, "--env-file", str(empty_env_file), "-f", str(COMPOSE_FILE), "config"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_config_is_valid_with_the_secrets_set(compose: list[str], tmp_path: Path) -> None:
    result = run_config(compose, tmp_path, **SECRETS)
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)["services"]
    assert resolved["elasticsearch"]["environment"]["ELASTIC_PASSWORD"] == SECRETS["ELASTIC_PASSWORD"]
    assert resolved["kibana"]["environment"]["ELASTICSEARCH_PASSWORD"] == SECRETS["KIBANA_PASSWORD"]
    for worker in WORKERS:
        service = resolved[worker]
        assert service["environment"]["WIREWATCH_ES_PASSWORD"] == SECRETS["ELASTIC_PASSWORD"]
        assert service["environment"]["WIREWATCH_SECRET_KEY"] == SECRETS["WIREWATCH_SECRET_KEY"]
        assert service["healthcheck"]["test"]
        assert service["depends_on"]["kafka"]["condition"] == "service_healthy"
        assert service["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
        assert service["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    workspace = resolved["workspace"]
    assert workspace["environment"]["WIREWATCH_SERVE_TOKEN"] == SECRETS["WIREWATCH_SERVE_TOKEN"]
    assert workspace["environment"]["WIREWATCH_ES_PASSWORD"] == SECRETS["ELASTIC_PASSWORD"]
    published = workspace["ports"][0]
    if isinstance(published, dict):  # compose v2 writes the long syntax
        assert (published["host_ip"], str(published["published"]), published["target"]) == ("127.0.0.1", "8000", 8000)
    else:
        assert published.removesuffix("/tcp") == "127.0.0.1:8000:8000"


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_config_fails_without_a_secret(compose: list[str], tmp_path: Path, missing: str) -> None:
    env = {key: value for key, value in SECRETS.items() if key != missing}
    result = run_config(compose, tmp_path, **env)
    assert result.returncode != 0
    assert missing in result.stderr

"""The node's launch arguments and environment, its security settings and certificate names, and the
downloads' commands."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

from pydantic import SecretStr

from tests.unit.ops.conftest import layout
from wirewatch.ops.stack import elasticsearch, fetch, security
from wirewatch.ops.stack.control import child_env
from wirewatch.ops.stack.settings import StackSettings


def test_server_arguments_carry_ports_and_paths_but_no_secret(tmp_path: Path) -> None:
    settings = StackSettings(
        es_url="https://localhost:19200", es_security=True, es_tls=True, es_password=SecretStr("sekrit-pw")
    )
    args = elasticsearch.server_args(layout(tmp_path, root=False), settings)
    settings_given = dict(a.split("=", 1) for a in args if a != "-E")
    assert settings_given["http.port"] == "19200" and settings_given["transport.port"] == "19300"
    assert settings_given["path.data"] == str(tmp_path / "state" / "elasticsearch" / "data")
    assert settings_given["xpack.security.enabled"] == "true"
    assert settings_given["xpack.security.http.ssl.key"] == "certs/http.key"
    assert not any("sekrit" in a for a in args)


def test_the_default_node_has_no_security_arguments() -> None:
    assert security.es_args(StackSettings()) == []


def test_as_root_the_launcher_runs_as_the_service_user(tmp_path: Path) -> None:
    relocated = tmp_path / "var" / "abc"
    env = elasticsearch.launch_env(
        layout(tmp_path, root=True, es_root=relocated), StackSettings(es_heap="768m"), Path("/jdk25"), {"PATH": "/bin"}
    )
    assert env["ES_RUN_AS"] == "wirewatch" and env["PATH"].endswith(":/usr/sbin:/sbin")
    assert env["ES_HOME"] == str(relocated / "dist-9.3.2") and env["ES_TMPDIR"] == str(relocated / "tmp")
    assert env["ES_JAVA_OPTS"] == "-Xms768m -Xmx768m"
    assert (
        elasticsearch.needles(layout(tmp_path, root=True, es_root=relocated))[0] == f"-Djava.io.tmpdir={relocated}/tmp "
    )


def test_without_root_it_runs_as_the_caller_from_the_cache(tmp_path: Path) -> None:
    env = elasticsearch.launch_env(layout(tmp_path, root=False), StackSettings(), Path("/jdk25"), {})
    assert env["ES_RUN_AS"] == "" and env["ES_HOME"] == str(tmp_path / "cache" / "elasticsearch-9.3.2")


def test_secrets_never_reach_a_child_environment() -> None:
    env = child_env({"PATH": "/bin", "WIREWATCH_ES_PASSWORD": "x", "WIREWATCH_KAFKA_SASL_PASSWORD": "y",
                     "WIREWATCH_ES_API_KEY": "z", "WIREWATCH_ES_URL": "http://h:1"})  # fmt: skip
    assert env == {"PATH": "/bin", "WIREWATCH_ES_URL": "http://h:1"}


def test_certificate_names_cover_loopback_and_the_urls_host() -> None:
    assert security.subject_alt_names("es.internal") == "DNS:localhost,IP:127.0.0.1,IP:::1,DNS:es.internal"
    assert security.subject_alt_names("10.0.0.5").endswith(",IP:10.0.0.5")
    assert "subjectAltName=DNS:localhost" in security.server_extensions("localhost")


def test_the_health_client_sends_elastics_credentials_only_when_secured(tmp_path: Path) -> None:
    secured = StackSettings(es_security=True, es_password=SecretStr("pw-123456"))
    assert security.NodeClient(secured, tmp_path / "ca.crt").headers["Authorization"].startswith("Basic ")
    assert security.NodeClient(StackSettings(), tmp_path / "ca.crt").headers == {}


def test_maven_commands_take_the_pinned_versions(tmp_path: Path) -> None:
    where = layout(tmp_path, root=False)
    kafka = fetch.kafka_command(where, tmp_path / "out")
    assert "-Dkafka.version=3.9.1" in kafka and "-Dscala.binary.version=2.13" in kafka
    assert f"-DoutputDirectory={tmp_path / 'out'}" in kafka
    es = fetch.es_command(where, tmp_path / "out")
    assert "-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:9.3.2:zip" in es


def test_unzip_keeps_the_executable_bits(tmp_path: Path) -> None:
    archive = tmp_path / "dist.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        script = zipfile.ZipInfo("es/bin/elasticsearch")
        script.external_attr = (stat.S_IFREG | 0o755) << 16
        zf.writestr(script, "#!/bin/sh\n")
        zf.writestr("es/config/jvm.options", "-Xss1m\n")
    fetch.unzip(archive, tmp_path / "out")
    assert (tmp_path / "out" / "es" / "bin" / "elasticsearch").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "out" / "es" / "config" / "jvm.options").read_text() == "-Xss1m\n"

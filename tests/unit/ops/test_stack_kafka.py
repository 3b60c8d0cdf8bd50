"""The broker's generated configuration and launch environment."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from tests.unit.ops.conftest import layout
from wirewatch.ops.stack import kafka
from wirewatch.ops.stack.settings import StackSettings

STATIC = "process.roles=broker,controller\nlisteners=ignored\n"


def properties(text: str) -> dict[str, str]:
    """java.util.Properties' rule that matters here: the last value of a repeated key wins."""
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            found[key] = value
    return found


def test_plaintext_listeners_follow_the_settings() -> None:
    settings = StackSettings(kafka_bootstrap="localhost:19092", kafka_controller_port=19999)
    props = properties(kafka.render_config(STATIC, settings, Path("/s/kafka/data")))
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19999"
    assert props["advertised.listeners"] == "PLAINTEXT://localhost:19092"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19999"
    assert props["log.dirs"] == "/s/kafka/data"
    assert props["process.roles"] == "broker,controller"
    assert "sasl.enabled.mechanisms" not in props


def test_sasl_replaces_the_client_listener_and_escapes_the_password() -> None:
    settings = StackSettings(kafka_sasl=True, kafka_sasl_username="ww-user", kafka_sasl_password=SecretStr('p "q\\r'))
    props = properties(kafka.render_config(STATIC, settings, Path("/d")))
    assert props["listeners"].startswith("SASL_PLAINTEXT://127.0.0.1:9092,")
    assert props["inter.broker.listener.name"] == "SASL_PLAINTEXT"
    jaas = props["listener.name.sasl_plaintext.plain.sasl.jaas.config"]
    assert 'username="ww-user"' in jaas and "user_ww-user=" in jaas
    # JAAS escaping (\" and \\), then doubled backslashes for java.util.Properties
    assert 'password="p \\\\"q\\\\\\\\r"' in jaas


def test_jaas_quote_round_trips_through_both_unescapings() -> None:
    quoted = kafka.jaas_quote('a\\b"c')
    properties_read = quoted.replace("\\\\", "\\")  # what java.util.Properties hands to JAAS
    assert properties_read == '"a\\\\b\\"c"'


def test_the_launch_environment_names_the_jars_log_and_heap(tmp_path: Path) -> None:
    where = layout(tmp_path)
    env = kafka.launch_env(where, StackSettings(kafka_heap="256m"), Path("/jdk/bin/java"), {"PATH": "/bin"})
    assert env["KAFKA_JAVA"] == "/jdk/bin/java" and env["KAFKA_HEAP"] == "256m" and env["PATH"] == "/bin"
    assert env["KAFKA_LIBS"] == str(tmp_path / "cache" / "kafka-3.9.1" / "libs")
    assert env["KAFKA_LOG_FILE"] == str(tmp_path / "state" / "logs" / "kafka.log")
    assert kafka.needle(where) == f"kafka.Kafka {tmp_path}/state/kafka/server.properties "


def _launch(log_file: Path) -> kafka.Launch:
    """A launch as ``start`` records it: the log's inode and its end, after some earlier broker's lines."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.write_bytes(b"[old] Kafka Server started (an earlier run)\n" + b"x" * 1000 + b"\n")
    return kafka.Launch(None, 0.0, log_file.stat().st_size, log_file.stat().st_ino)  # type: ignore[arg-type]


def test_start_up_is_read_from_the_launch_s_offset_not_from_an_earlier_run(tmp_path: Path) -> None:
    at = layout(tmp_path)
    launch = _launch(at.kafka_log)
    assert not kafka._log_says_started(at, launch)
    with at.kafka_log.open("ab") as log_file:
        log_file.write(b"[now] Kafka Server started\n")
    assert kafka._log_says_started(at, launch)


def test_start_up_is_found_when_the_log_rolls_over_meanwhile(tmp_path: Path) -> None:
    """log4j renames kafka.log to kafka.log.1 at 50 MB: the line may be in either file."""
    at = layout(tmp_path)
    launch = _launch(at.kafka_log)
    rolled = at.kafka_log.with_name(at.kafka_log.name + ".1")
    at.kafka_log.rename(rolled)
    at.kafka_log.write_bytes(b"[now] loading groups\n[now] Kafka Server started\n")  # shorter than the offset
    assert kafka._log_says_started(at, launch)
    at.kafka_log.write_bytes(b"[now] loading groups\n")
    assert not kafka._log_says_started(at, launch)
    with rolled.open("ab") as log_file:
        log_file.write(b"[now] Kafka Server started\n")  # before the roll
    assert kafka._log_says_started(at, launch)

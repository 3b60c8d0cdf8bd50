"""StackSettings: the stack's ports and security switches are validated once, with messages naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from wirewatch.ops.stack.settings import StackSettings


def make(**values: object) -> StackSettings:
    return StackSettings(state_dir=Path("/tmp/ww-unit"), **values)  # type: ignore[arg-type]


def test_ports_are_derived_from_the_addresses() -> None:
    s = make(kafka_bootstrap="localhost:19092,other:9092", es_url="http://localhost:19200")
    assert (s.kafka_host, s.kafka_port, s.controller_port) == ("localhost", 19092, 19093)
    assert (s.es_host, s.es_http_port, s.transport_port) == ("localhost", 19200, 19300)
    assert s.kafka_bind == "127.0.0.1"


def test_explicit_ports_and_a_public_host() -> None:
    s = make(kafka_bootstrap="broker.example:9092", kafka_controller_port=7000, es_transport_port=7100)
    assert (s.controller_port, s.transport_port, s.kafka_bind) == (7000, 7100, "0.0.0.0")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"es_url": "http://localhost"}, "must include a port"),
        ({"es_url": "https://localhost:9200"}, "WIREWATCH_ES_TLS is not true"),
        ({"es_tls": True, "es_security": True, "es_password": SecretStr("secret!")}, "needs an https://"),
        ({"es_tls": True, "es_url": "https://localhost:9200"}, "needs WIREWATCH_ES_SECURITY=true"),
        ({"es_security": True}, "needs WIREWATCH_ES_PASSWORD"),
        ({"es_security": True, "es_password": SecretStr("12345")}, "at least 6"),
        ({"es_security": True, "es_password": SecretStr("abc\ndef")}, "control characters"),
        ({"kafka_sasl": True, "kafka_sasl_password": SecretStr("pw")}, "WIREWATCH_KAFKA_SASL_USERNAME"),
        ({"kafka_sasl": True, "kafka_sasl_username": "a b", "kafka_sasl_password": SecretStr("x")}, "USERNAME"),
        ({"kafka_sasl": True, "kafka_sasl_username": "u", "kafka_sasl_password": SecretStr("pässword")}, "ASCII"),
        ({"kafka_heap": "lots"}, "kafka_heap"),
    ],
)
def test_bad_combinations_are_refused_by_name(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make(**values)


def test_a_refused_password_is_not_echoed() -> None:
    with pytest.raises(ValidationError) as caught:
        make(es_security=True, es_password=SecretStr("short"))
    assert "short" not in str(caught.value)


def test_conventional_jdk_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ES_JAVA_HOME", "/opt/jdk25")
    monkeypatch.setenv("KAFKA_JAVA_HOME", "/opt/jdk17")
    monkeypatch.setenv("WIREWATCH_ES_HEAP", "2g")
    s = make()
    assert (s.es_java_home, s.kafka_java_home, s.es_heap) == (Path("/opt/jdk25"), Path("/opt/jdk17"), "2g")


def test_the_stack_client_uses_the_stacks_own_user_and_ca() -> None:
    s = make(
        es_url="https://localhost:9200",
        es_security=True,
        es_tls=True,
        es_password=SecretStr("secret!"),
        kafka_sasl=True,
        kafka_sasl_username="ww",
        kafka_sasl_password=SecretStr("kpw"),
    )
    client = s.client(Path("/state/tls/ca.crt"))
    assert client.kafka_security_protocol == "SASL_PLAINTEXT" and client.kafka_sasl_mechanism == "PLAIN"
    assert client.es_username == "elastic" and client.es_ca_certs == Path("/state/tls/ca.crt")
    assert client.es_password is not None and client.es_password.get_secret_value() == "secret!"


def test_the_default_client_is_unchanged() -> None:
    client = make().client(Path("/x/ca.crt"))
    assert (client.kafka_security_protocol, client.es_username, client.es_ca_certs) == ("PLAINTEXT", None, None)

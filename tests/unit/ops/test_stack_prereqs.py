"""JDK discovery from a JDK's release file, and the list of what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from wirewatch.ops.stack import prereqs


def fake_jdk(root: Path, name: str, version: str) -> Path:
    home = root / name
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "java").write_text("#!/bin/sh\nexit 1\n")
    (home / "bin" / "java").chmod(0o755)
    (home / "release").write_text(f'IMPLEMENTOR="Test"\nJAVA_VERSION="{version}"\n')
    return home


@pytest.mark.parametrize(("text", "major"), [("17.0.15", 17), ('"25"', 25), ("1.8.0_402", 8), ("x", None)])
def test_java_versions(text: str, major: int | None) -> None:
    assert prereqs.parse_java_version(text) == major


def test_the_newest_jdk_21_or_later_is_chosen_for_elasticsearch(tmp_path: Path) -> None:
    fake_jdk(tmp_path, "java-17-openjdk-amd64", "17.0.15")
    fake_jdk(tmp_path, "openjdk-21", "21.0.2")
    newest = fake_jdk(tmp_path, "temurin-25-jdk-amd64", "25.0.3")
    (tmp_path / "default-java").symlink_to(newest)
    assert prereqs.find_es_java_home(None, None, jvm_dir=tmp_path) == newest


def test_nothing_new_enough_is_none(tmp_path: Path) -> None:
    fake_jdk(tmp_path, "java-17-openjdk-amd64", "17.0.15")
    assert prereqs.find_es_java_home(None, None, jvm_dir=tmp_path) is None


def test_an_explicit_jdk_that_is_too_old_is_named(tmp_path: Path) -> None:
    old = fake_jdk(tmp_path, "jdk17", "17.0.1")
    with pytest.raises(prereqs.PrerequisiteError, match=r"ES_JAVA_HOME=.*Java 17"):
        prereqs.find_es_java_home(old, None, jvm_dir=tmp_path)
    with pytest.raises(prereqs.PrerequisiteError, match=r"KAFKA_JAVA_HOME=.*Java 8"):
        prereqs.find_kafka_java(fake_jdk(tmp_path, "jdk8", "1.8.0_1"), None)
    assert prereqs.find_kafka_java(old, None) == old / "bin" / "java"


def test_missing_tools_say_how_to_install_them() -> None:
    nothing = prereqs.missing_tools(tls=True, as_root=True, which=lambda name: None)
    assert [m.split(" ")[0].rstrip(",") for m in nothing] == ["Maven", "openssl", "runuser"]
    assert all("apt-get install" in m for m in nothing)
    assert prereqs.missing_tools(tls=False, as_root=False, which=lambda name: f"/usr/bin/{name}") == []
    assert prereqs.missing_tools(tls=False, as_root=False, which=lambda name: None) == [nothing[0]]

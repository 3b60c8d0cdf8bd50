"""Prerequisites of the local stack: Python 3.11, a JDK >= 17 for Kafka, a JDK >= 21 for Elasticsearch, Maven,
and (as needed) openssl, runuser and useradd.

Standard library only, so ``make check`` can run it with the system's Python before the venv exists:
``python3.11 -I wirewatch/ops/stack/prereqs.py`` (``wirewatch stack check`` runs the same checks).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

JVM_DIR = Path("/usr/lib/jvm")
KAFKA_MIN_JAVA = 17
ES_MIN_JAVA = 21
#: runuser and useradd live in sbin, which a non-login root shell may lack
SBIN = "/usr/sbin:/sbin"


class PrerequisiteError(RuntimeError):
    """Something the stack needs is missing; ``missing`` says what and how to install it."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__("missing prerequisites:\n" + "\n".join(f"  - {m}" for m in missing))
        self.missing = missing


def parse_java_version(version: str) -> int | None:
    """``17.0.15`` → 17, ``1.8.0_402`` → 8, ``25`` → 25."""
    match = re.match(r"^(?:1\.)?(\d+)", version.strip().strip('"'))
    return int(match.group(1)) if match else None


def java_major(java: Path) -> int | None:
    """Major version of a java binary, from its JDK's ``release`` file (instant) or else by running it."""
    try:
        release = java.resolve(strict=True).parent.parent / "release"
    except OSError:
        return None
    try:
        for line in release.read_text().splitlines():
            if line.startswith("JAVA_VERSION="):
                return parse_java_version(line.partition("=")[2])
    except OSError:
        pass
    try:
        out = subprocess.run(  # noqa: S603 — a JDK's own binary, fixed arguments
            [str(java), "-XshowSettings:properties", "-version"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r"java\.specification\.version = (\S+)", out.stderr)
    return parse_java_version(found.group(1)) if found else None


def find_kafka_java(kafka_java_home: Path | None, java_home: Path | None) -> Path | None:
    """Kafka 3.9 runs on 17; prefer exactly that (what upstream tests), then JAVA_HOME, then ``java``."""
    if kafka_java_home is not None:
        java = kafka_java_home / "bin" / "java"
        major = java_major(java)
        if major is None or major < KAFKA_MIN_JAVA:
            raise PrerequisiteError([f"KAFKA_JAVA_HOME={kafka_java_home} is Java {major or '?'}; Kafka needs 17+"])
        return java
    on_path = shutil.which("java")
    candidates = [
        *sorted(JVM_DIR.glob("java-17-openjdk-*/bin/java")),
        *([java_home / "bin" / "java"] if java_home else []),
        *([Path(on_path)] if on_path else []),
    ]
    for java in candidates:
        major = java_major(java)
        if major is not None and major >= KAFKA_MIN_JAVA:
            return java
    return None


def find_es_java_home(es_java_home: Path | None, java_home: Path | None, jvm_dir: Path = JVM_DIR) -> Path | None:
    """ES 9's integ-test zip has no bundled JDK and needs 21+: ES_JAVA_HOME, else the newest JDK found."""
    if es_java_home is not None:
        major = java_major(es_java_home / "bin" / "java")
        if major is None or major < ES_MIN_JAVA:
            raise PrerequisiteError(
                [f"ES_JAVA_HOME={es_java_home} is Java {major or '? (not runnable)'}; Elasticsearch needs a JDK >= 21"]
            )
        return es_java_home
    candidates = (
        sorted(jvm_dir.glob("temurin-25-jdk-*")) + sorted(jvm_dir.glob("*")) + ([java_home] if java_home else [])
    )
    best: tuple[int, Path] | None = None
    for home in candidates:
        if home.is_symlink() or not (home / "bin" / "java").is_file():
            continue
        major = java_major(home / "bin" / "java")
        if major is not None and major >= ES_MIN_JAVA and (best is None or major > best[0]):
            best = (major, home)
    return best[1] if best else None


def missing_tools(*, tls: bool, as_root: bool, which: Callable[[str], str | None]) -> list[str]:
    missing = []
    if which("mvn") is None:
        missing.append("Maven, used to download from Maven Central: apt-get install -y maven")
    if tls and which("openssl") is None:
        missing.append("openssl, to generate the certificates of WIREWATCH_ES_TLS=true: apt-get install -y openssl")
    if as_root and (which("runuser") is None or which("useradd") is None):
        missing.append("runuser and useradd (to run Elasticsearch unprivileged): apt-get install -y util-linux passwd")
    return missing


@dataclass(frozen=True)
class Javas:
    kafka_java: Path
    es_java_home: Path


def check(
    kafka_java_home: Path | None, es_java_home: Path | None, java_home: Path | None, *, tls: bool = False
) -> Javas:
    """The JDKs to use; raises :class:`PrerequisiteError` listing everything missing at once."""
    missing = []
    if sys.version_info[:2] != (3, 11):
        missing.append(
            f"Python 3.11 (this is {sys.version.split()[0]}): e.g. apt-get install python3.11 python3.11-venv"
        )
    kafka_java = es_home = None
    try:
        kafka_java = find_kafka_java(kafka_java_home, java_home)
    except PrerequisiteError as exc:
        missing += exc.missing
    else:
        if kafka_java is None:
            missing.append("Java 17+ for Kafka: apt-get install -y openjdk-17-jdk-headless (or set KAFKA_JAVA_HOME)")
    try:
        es_home = find_es_java_home(es_java_home, java_home)
    except PrerequisiteError as exc:
        missing += exc.missing
    else:
        if es_home is None:
            missing.append(
                "a JDK >= 21 for Elasticsearch: install Temurin 25 (package temurin-25-jdk from the Adoptium apt "
                "repository) or openjdk-21-jdk-headless where the distribution has it, or set ES_JAVA_HOME"
            )
    path = f"{os.environ.get('PATH', '')}:{SBIN}"
    missing += missing_tools(tls=tls, as_root=os.geteuid() == 0, which=lambda name: shutil.which(name, path=path))
    if missing or kafka_java is None or es_home is None:
        raise PrerequisiteError(missing)
    return Javas(kafka_java, es_home)


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def main() -> int:
    """``make check`` before the venv exists; the environment names are those of StackSettings."""
    tls = os.environ.get("WIREWATCH_ES_TLS", "").lower() in ("1", "true", "yes", "on")
    try:
        javas = check(_env_path("KAFKA_JAVA_HOME"), _env_path("ES_JAVA_HOME"), _env_path("JAVA_HOME"), tls=tls)
    except PrerequisiteError as exc:
        print(f"[stack] {exc}", file=sys.stderr)
        return 1
    print(f"[stack] ok: kafka java={javas.kafka_java}, elasticsearch java={javas.es_java_home}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

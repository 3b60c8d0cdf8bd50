"""Downloads of the local stack, into the cache dir (``WIREWATCH_CACHE_DIR``, default ``~/.cache/wirewatch``)
and Maven's ``~/.m2``, never into the checkout: the Kafka broker's jars and Elasticsearch's integ-test zip,
both resolved by Maven from Maven Central at the versions pinned in ``deploy/versions.env``.

A ``.complete`` marker is written last, so an interrupted download is redone instead of half-used.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
import time
import zipfile
from pathlib import Path

from wirewatch.ops.stack.layout import Layout
from wirewatch.ops.stack.processes import StackError, elapsed, log, print_tail

#: the dependency plugin bundled with Maven 3.8 is ancient; a modern one, pinned
MVN_DEP_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
#: Debian's mvn emits stray ANSI codes even in batch mode; its output goes to a log that matters on failure
MVN = ["mvn", "-B", "-q", "-Dstyle.color=never"]


def kafka_fetched(layout: Layout) -> bool:
    return (layout.kafka_home_cache / ".complete").is_file()


def es_fetched(layout: Layout) -> bool:
    return (layout.es_home_cache / ".complete").is_file()


def es_artifact(layout: Layout) -> str:
    return f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{layout.versions.es}:zip"


def kafka_command(layout: Layout, output: Path) -> list[str]:
    """``copy-dependencies`` on the throw-away POM (nothing is built), versions from versions.env."""
    v = layout.versions
    return [
        *MVN,
        "-f",
        str(layout.deploy / "kafka" / "pom.xml"),
        f"-Dkafka.version={v.kafka}",
        f"-Dscala.binary.version={v.scala}",
        f"-Dslf4j.reload4j.version={v.slf4j_reload4j}",
        f"{MVN_DEP_PLUGIN}:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={output}",
    ]


def es_command(layout: Layout, output: Path) -> list[str]:
    """``dependency:copy`` leaves the zip in ~/.m2 too, so purging the wirewatch cache costs no download."""
    pom = str(layout.deploy / "kafka" / "pom.xml")
    return [
        *MVN,
        "-f",
        pom,
        f"{MVN_DEP_PLUGIN}:copy",
        f"-Dartifact={es_artifact(layout)}",
        f"-DoutputDirectory={output}",
    ]


def _maven(command: list[str], log_file: Path, what: str) -> None:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("w") as out:
        code = subprocess.call(command, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603 — fixed arguments
    if code != 0:
        print_tail(log_file)
        raise StackError(f"Maven could not resolve {what} (its log is above; full log: {log_file})")


def fetch_kafka(layout: Layout) -> None:
    if kafka_fetched(layout):
        return
    log(f"fetching Kafka {layout.versions.kafka} jars from Maven Central (first time only, ~1 min)")
    started = time.monotonic()
    partial = layout.kafka_home_cache / "libs.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(layout.kafka_libs, ignore_errors=True)
    layout.kafka_home_cache.mkdir(parents=True, exist_ok=True)
    _maven(kafka_command(layout, partial), layout.cache / "mvn-kafka.log", f"Kafka {layout.versions.kafka}")
    if not (partial / f"kafka_{layout.versions.scala}-{layout.versions.kafka}.jar").is_file():
        raise StackError("Kafka jar missing after download")
    partial.rename(layout.kafka_libs)
    (layout.kafka_home_cache / ".complete").touch()
    jars = len(list(layout.kafka_libs.glob("*.jar")))
    log(f"Kafka {layout.versions.kafka}: {jars} jars in {layout.kafka_libs} ({elapsed(started)})")


def unzip(archive: Path, target: Path) -> None:
    """Extract keeping the modes (executable bits, private directories) and symbolic links that ``zipfile``
    alone drops."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            mode = info.external_attr >> 16
            path = target / info.filename
            if stat.S_ISLNK(mode):
                path.parent.mkdir(parents=True, exist_ok=True)
                path.symlink_to(zf.read(info).decode())
                continue
            zf.extract(info, target)
            if mode & 0o777:
                path.chmod(mode & 0o777)


def fetch_es(layout: Layout) -> None:
    if es_fetched(layout):
        return
    version = layout.versions.es
    log(f"fetching Elasticsearch {version} (integ-test zip, ~110 MB) from Maven Central (first time only)")
    started = time.monotonic()
    partial = layout.cache / f"elasticsearch-{version}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(layout.es_home_cache, ignore_errors=True)
    partial.mkdir(parents=True)
    _maven(es_command(layout, partial), layout.cache / "mvn-elasticsearch.log", es_artifact(layout))
    unzip(partial / f"elasticsearch-{version}.zip", partial)
    unpacked = partial / f"elasticsearch-{version}"
    if not (unpacked / "bin" / "elasticsearch").stat().st_mode & stat.S_IXUSR:
        raise StackError(f"unexpected layout of {es_artifact(layout)}")
    unpacked.rename(layout.es_home_cache)
    shutil.rmtree(partial)
    (layout.es_home_cache / ".complete").touch()
    log(f"Elasticsearch {version} unpacked to {layout.es_home_cache} ({elapsed(started)})")


def fetch(layout: Layout) -> None:
    fetch_kafka(layout)
    fetch_es(layout)

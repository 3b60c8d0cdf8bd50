"""The chaos drill finds the servers it may disturb where ``wirewatch stack up`` put them: the pid files and
Elasticsearch's temp dir come from the stack's :class:`Layout`, relocated Elasticsearch files included (as
root, under ``/var/lib/wirewatch/<hash>`` when the service user cannot enter the state dir). Stand-in
processes carry the command lines the real servers would."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.chaos.faults import NotOwnStack, OwnStack
from wirewatch.core.settings import REPO_ROOT, CommonSettings
from wirewatch.ops.stack import elasticsearch, kafka
from wirewatch.ops.stack import layout as stack_layout
from wirewatch.ops.stack.layout import Layout
from wirewatch.ops.stack.settings import StackSettings


class StandIns:
    """Sleeping processes whose command line ends with given words, killed at the end of the test."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *words: str) -> int:
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", *words])
        self.procs.append(proc)
        # until the child has exec'd, /proc shows the command line of this test's process
        cmdline = Path(f"/proc/{proc.pid}/cmdline")
        deadline = time.monotonic() + 10
        while words[-1].encode() not in cmdline.read_bytes().split(b"\0"):
            assert time.monotonic() < deadline, "the stand-in never started"
            time.sleep(0.01)
        return proc.pid


@pytest.fixture(autouse=True)
def relocated_under_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root, the layout relocates Elasticsearch's files of a state dir under mode-700 ``/tmp/pytest-of-root``
    to ``/var/lib/wirewatch/<hash>``: keep them in the test's own directory instead."""
    monkeypatch.setattr(stack_layout, "relocated_root", lambda state: tmp_path / "var-lib" / "from-layout")


@pytest.fixture
def stand_ins() -> Iterator[StandIns]:
    started = StandIns()
    yield started
    for proc in started.procs:
        proc.kill()
        proc.wait()


def own_stack(state: Path, layout: Layout, stand_ins: StandIns) -> OwnStack:
    """Both servers running as ``layout`` says, their pids in its pid files."""
    for pidfile in (layout.kafka_pid_file, layout.es_pid_file):
        pidfile.parent.mkdir(parents=True, exist_ok=True)
    layout.kafka_pid_file.write_text(f"{stand_ins.start(*kafka.needle(layout).split())}\n")
    layout.es_pid_file.write_text(f"{stand_ins.start(*' '.join(elasticsearch.needles(layout)).split())}\n")
    return OwnStack.of(CommonSettings(state_dir=state), layout)


def test_the_servers_are_found_through_the_stack_s_layout(tmp_path: Path, stand_ins: StandIns) -> None:
    state = tmp_path / "state"
    layout = Layout.of(StackSettings(state_dir=state))
    stack = own_stack(state, layout, stand_ins)
    assert stack.kafka_pid() == int(layout.kafka_pid_file.read_text())
    assert stack.es_pid() == int(layout.es_pid_file.read_text())


def test_relocated_elasticsearch_files_are_found_where_the_layout_put_them(tmp_path: Path, stand_ins: StandIns) -> None:
    state = tmp_path / "state"
    relocated = dataclasses.replace(Layout.of(StackSettings(state_dir=state)), es_root=tmp_path / "var-lib" / "abc")
    assert relocated.relocated and not relocated.es_pid_file.is_relative_to(state)
    stack = own_stack(state, relocated, stand_ins)
    assert stack.es_pid() == int(relocated.es_pid_file.read_text())
    assert stack.layout.es_tmp == tmp_path / "var-lib" / "abc" / "tmp"


def test_a_pid_that_is_not_this_stack_s_server_is_refused(tmp_path: Path, stand_ins: StandIns) -> None:
    state = tmp_path / "state"
    layout = Layout.of(StackSettings(state_dir=state))
    stack = own_stack(state, layout, stand_ins)
    # Elasticsearch of another state dir: right main class, wrong temp dir
    other = dataclasses.replace(layout, es_root=tmp_path / "other" / "elasticsearch")
    layout.es_pid_file.write_text(f"{stand_ins.start(*' '.join(elasticsearch.needles(other)).split())}\n")
    with pytest.raises(NotOwnStack, match="is not the server of"):
        stack.es_pid()
    layout.kafka_pid_file.unlink()
    with pytest.raises(NotOwnStack, match="no running server"):
        stack.kafka_pid()


def test_the_layout_is_the_stack_s_own_for_the_settings_state_dir(tmp_path: Path, stand_ins: StandIns) -> None:
    state = tmp_path / "state"
    layout = Layout.of(StackSettings(state_dir=state))
    own_stack(state, layout, stand_ins)  # servers running, so that OwnStack.of builds its own layout
    assert OwnStack.of(CommonSettings(state_dir=state)).layout == layout


def test_the_checkout_s_shared_stack_is_refused() -> None:
    with pytest.raises(NotOwnStack, match="shared stack"):
        OwnStack.of(CommonSettings(state_dir=REPO_ROOT / ".wirewatch"))


def test_a_cluster_is_recognised_by_its_recorded_shape_and_every_node_must_run(
    tmp_path: Path, stand_ins: StandIns
) -> None:
    state = tmp_path / "state"
    layout = Layout.of(StackSettings(state_dir=state))
    assert own_stack(state, layout, stand_ins).cluster is None  # one node: the single-node faults
    layout.shape_file.write_text('{"brokers": 3, "es_nodes": 3}\n')
    with pytest.raises(NotOwnStack, match=r"nodes not running: .*kafka-2"):
        OwnStack.of(CommonSettings(state_dir=state), layout)
    for node in (2, 3):
        at = layout.for_node(node)
        at.kafka_pid_file.write_text(f"{stand_ins.start(*kafka.needle(at).split())}\n")
        at.es_pid_file.parent.mkdir(parents=True, exist_ok=True)
        at.es_pid_file.write_text(f"{stand_ins.start(*' '.join(elasticsearch.needles(at)).split())}\n")
    stack = OwnStack.of(CommonSettings(state_dir=state), layout)
    assert stack.cluster is not None and stack.cluster.stack.stack_brokers == 3
    layout.shape_file.write_text('{"brokers": 2, "es_nodes": 3}\n')
    with pytest.raises(NotOwnStack, match=r"needs .*--brokers 3"):
        OwnStack.of(CommonSettings(state_dir=state), layout)

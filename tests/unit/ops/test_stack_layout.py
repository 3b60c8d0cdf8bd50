"""Where the stack's files go: Elasticsearch's move out of a state dir its service user cannot enter."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from wirewatch.ops.stack import layout as layout_module
from wirewatch.ops.stack.layout import Layout, ServiceUser, Versions, may_enter, relocated_root
from wirewatch.ops.stack.settings import StackSettings

STRANGER = ServiceUser("wirewatch", uid=987654, gids=frozenset({987654}))
REPO_DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A mode-755 directory whose ancestors anybody may enter (pytest's tmp_path sits below a mode-700 one)."""
    path = Path(tempfile.mkdtemp(prefix="ww-layout-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def test_versions_are_read_from_the_pins(tmp_path: Path) -> None:
    pins = tmp_path / "versions.env"
    pins.write_text(
        "# comment\nKAFKA_VERSION=3.9.1\nSCALA_VERSION=2.13\nSLF4J_RELOAD4J_VERSION=1.7.36\nES_VERSION=9.3.2\n"
    )
    assert Versions.read(pins) == Versions("3.9.1", "2.13", "1.7.36", "9.3.2")
    assert Versions.read(REPO_DEPLOY / "versions.env").kafka  # the real file parses


def test_a_mode_700_ancestor_keeps_others_out(open_dir: Path) -> None:
    private = open_dir / "private"
    (private / "checkout" / ".wirewatch").mkdir(parents=True)
    private.chmod(0o700)
    assert not may_enter(STRANGER, private / "checkout" / ".wirewatch")
    private.chmod(0o711)
    assert may_enter(STRANGER, private / "checkout" / ".wirewatch")
    # not yet created parts are made by root with mode 755
    assert may_enter(STRANGER, private / "checkout" / "later" / "state")


def test_owner_and_group_bits_count_for_the_user(open_dir: Path) -> None:
    mine = open_dir / "mine"
    mine.mkdir(mode=0o700)
    st = os.stat(mine)
    assert may_enter(ServiceUser("me", st.st_uid, frozenset()), mine)
    mine.chmod(0o710)
    assert may_enter(ServiceUser("group", -1, frozenset({st.st_gid})), mine)
    assert not may_enter(STRANGER, mine)


def test_the_relocated_root_is_stable_and_per_state_dir() -> None:
    a = relocated_root(Path("/root/wc/.wirewatch"))
    assert a == relocated_root(Path("/root/wc/.wirewatch"))
    assert a != relocated_root(Path("/root/wc/.wirewatch/test"))
    assert a.parent == Path("/var/lib/wirewatch") and len(a.name) == 12


def _layout(state: Path, *, root: bool, monkeypatch: pytest.MonkeyPatch) -> Layout:
    monkeypatch.setattr(layout_module.os, "geteuid", lambda: 0 if root else 1000)
    settings = StackSettings(state_dir=state, cache_dir=state.parent / "cache", deploy_dir=REPO_DEPLOY)
    return Layout.of(settings, user=STRANGER)


def test_as_root_under_a_private_dir_elasticsearch_moves_out(open_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    private = open_dir / "p700"
    private.mkdir(mode=0o700)
    layout = _layout(private / "wc" / ".wirewatch", root=True, monkeypatch=monkeypatch)
    assert layout.relocated and layout.es_root == relocated_root(private / "wc" / ".wirewatch")
    assert layout.es_tmp == layout.es_root / "tmp" and layout.es_log_dir == layout.es_root / "logs"
    assert layout.es_home == layout.es_root / "dist-9.3.2"
    # Kafka, the pid file and the TLS material stay in the state dir
    assert layout.kafka_pid_file == private / "wc" / ".wirewatch" / "kafka.pid"
    assert layout.tls_ca == private / "wc" / ".wirewatch" / "tls" / "ca.crt"


def test_a_reachable_state_dir_keeps_everything_inside(open_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    layout = _layout(open_dir / "state", root=True, monkeypatch=monkeypatch)
    assert not layout.relocated and layout.es_root == open_dir / "state" / "elasticsearch"
    assert layout.es_log_dir == open_dir / "state" / "logs" / "elasticsearch"


def test_without_root_nothing_moves_and_the_cache_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path.chmod(0o700)
    layout = _layout(tmp_path / "state", root=False, monkeypatch=monkeypatch)
    assert not layout.relocated and layout.es_home == tmp_path / "cache" / "elasticsearch-9.3.2"

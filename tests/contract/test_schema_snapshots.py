"""Every topic's payload model matches its JSON Schema snapshot, so a wire-format change is deliberate.

After changing a model on purpose: ``UPDATE_SNAPSHOTS=1 pytest tests/contract`` and commit the snapshot.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from wirewatch.schemas import TOPICS, Feed, Rule

SNAPSHOTS = Path(__file__).parent / "snapshots"
MODELS = {name: spec.model for name, spec in TOPICS.items()} | {"feed-definition": Feed, "rule": Rule}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_matches_snapshot(name: str) -> None:
    schema = MODELS[name].model_json_schema()
    path = SNAPSHOTS / f"{name}.json"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
    assert path.exists(), f"no snapshot for {name}: run with UPDATE_SNAPSHOTS=1"
    assert json.loads(path.read_text()) == schema, f"{name}'s wire format changed: update the snapshot on purpose"


def test_every_topic_key_is_a_field_of_its_model() -> None:
    for spec in TOPICS.values():
        assert spec.key in spec.model.model_fields, f"{spec.name}: key {spec.key!r} is not a field"


def test_topic_settings_are_sane() -> None:
    for spec in TOPICS.values():
        assert spec.partitions >= 1
        assert spec.retention_ms >= 3600 * 1000
        assert spec.compression in {"zstd", "gzip", "lz4", "snappy", "producer", "uncompressed"}
        assert spec.cleanup_policy in {"delete", "compact", "compact,delete"}

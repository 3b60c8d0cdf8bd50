"""The Kibana saved objects (``deploy/kibana/*.ndjson``) as an installation imports them.

``deploy/compose/kibana-import.sh`` (the compose ``kibana-setup`` job) pipes each file through
``python -m wirewatch.ops.kibana_objects FILE`` before POSTing it to Kibana's ``_import`` API:

- the data views' ``wirewatch-articles|alerts|feeds`` become ``<WIREWATCH_INDEX_PREFIX>-…`` (ids, titles and
  references alike), so a non-default prefix still finds its indices;
- with ``KIBANA_BASEMAP=false`` (sites without internet access), every map loses its basemap layers (those
  drawn from Elastic Maps Service, ``EMS_TMS``/``EMS_FILE`` sources): the data layers stay, on a blank
  background, instead of a map that waits for tiles it can never fetch.

The output is ndjson again, one object per line.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

#: layer sources served by Elastic Maps Service (maps.elastic.co), which needs the internet
EMS_SOURCES = frozenset({"EMS_TMS", "EMS_FILE"})
DATA_VIEWS = ("articles", "alerts", "feeds")


def with_prefix(text: str, prefix: str) -> str:
    """The ndjson text with the data views (and every mention of their indices) moved to ``prefix``."""
    if prefix == "wirewatch":
        return text
    for name in DATA_VIEWS:
        text = text.replace(f"wirewatch-{name}", f"{prefix}-{name}")
    return text


def without_basemap(obj: dict[str, Any]) -> dict[str, Any]:
    """A map without its Elastic Maps Service layers; any other object unchanged."""
    if obj.get("type") != "map" or "layerListJSON" not in obj.get("attributes", {}):
        return obj
    layers = json.loads(obj["attributes"]["layerListJSON"])
    kept = [layer for layer in layers if layer.get("sourceDescriptor", {}).get("type") not in EMS_SOURCES]
    attributes = {**obj["attributes"], "layerListJSON": json.dumps(kept, separators=(",", ":"))}
    return {**obj, "attributes": attributes}


def prepare(text: str, *, prefix: str = "wirewatch", basemap: bool = True) -> str:
    """The ndjson ``text`` as this installation imports it (see the module docstring)."""
    lines = []
    for line in with_prefix(text, prefix).splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        if not basemap:
            obj = without_basemap(obj)
        lines.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines) + "\n"


def basemap_wanted(value: str | None) -> bool:
    """``KIBANA_BASEMAP``: on unless set to false/0/no/off."""
    return (value or "true").strip().lower() not in ("false", "0", "no", "off")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m wirewatch.ops.kibana_objects FILE.ndjson\n")
        return 2
    with open(argv[0], encoding="utf-8") as source:
        text = source.read()
    prefix = os.environ.get("WIREWATCH_INDEX_PREFIX") or "wirewatch"
    sys.stdout.write(prepare(text, prefix=prefix, basemap=basemap_wanted(os.environ.get("KIBANA_BASEMAP"))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

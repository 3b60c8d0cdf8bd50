"""Durations as people write them on the command line: ``30s``, ``30m``, ``1h``, ``6h``, ``7d``, ``2w``.

One number (integer or decimal) and one unit, nothing else: ``1h30m`` or a bare ``90`` are refused with a
message naming what was expected, so a rule never silently watches a window its author did not mean.
"""

from __future__ import annotations

import re

UNITS: dict[str, float] = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")


def parse_duration(text: str) -> float:
    """``"6h"`` → ``21600.0`` seconds; ``ValueError`` (saying what is accepted) for anything else, zero included."""
    found = _DURATION.fullmatch(text.strip().lower())
    if found is None:
        raise ValueError(f"{text!r} is not a duration: write a number and a unit, s, m, h, d or w (30m, 6h, 7d)")
    seconds = float(found.group(1)) * UNITS[found.group(2)]
    if seconds <= 0:
        raise ValueError(f"{text!r} is not a duration: it must be longer than zero")
    return seconds


def format_duration(seconds: float) -> str:
    """The largest unit up to days that divides ``seconds`` exactly: ``21600`` → ``"6h"`` (``rules list``)."""
    for unit, size in sorted(UNITS.items(), key=lambda item: -item[1])[1:]:  # weeks read better as days
        if seconds >= size and (seconds / size).is_integer():
            return f"{int(seconds / size)}{unit}"
    return f"{seconds:g}s"

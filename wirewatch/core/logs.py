"""JSON-lines logging for workers: one object per line with time, level, logger, message, and the
article id and Kafka coordinates when a log call passes them in ``extra``.

Log lines carry text an attacker wrote (titles, URLs, error messages quoting a page). JSON already escapes
C0 controls; :func:`escape_invisibles` also escapes what JSON leaves raw but readers trip on: U+2028 and
U+2029 (line breaks to JavaScript and to many log viewers, so one record could look like two), C1 controls
(a terminal takes U+009B as an escape sequence) and the bidirectional overrides that reorder what a reader
sees. Each becomes its ``\\uXXXX`` escape, so the line still decodes to the original text."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

_INVISIBLES = frozenset([*range(0x80, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_ESCAPES = {code: f"\\u{code:04x}" for code in _INVISIBLES}


def escape_invisibles(line: str) -> str:
    """``line`` (JSON text) with the characters above written as JSON escapes."""
    return line.translate(_ESCAPES)


CONTEXT_FIELDS = ("stage", "article_id", "topic", "partition", "offset", "feed_id", "url", "error_class")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return escape_invisibles(json.dumps(entry, ensure_ascii=False, default=str))


def logging_config(level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for faust's Worker: JSON lines on stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "aiokafka": {"level": "WARNING"},
            "faust": {"level": "WARNING"},
            "mode": {"level": "WARNING"},
            "elastic_transport": {"level": "WARNING"},
        },
    }

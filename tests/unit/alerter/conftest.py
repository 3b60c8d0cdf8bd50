"""Alerts and rules for the alerter's unit tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wirewatch.core.stores.rules import new_rule
from wirewatch.schemas import Alert, Rule, alert_id_for


def make_alert(rule: Rule, n: int, **fields: object) -> Alert:
    article_id = f"doc{n:05d}"
    values: dict[str, object] = {
        "alert_id": alert_id_for(rule.id, article_id),
        "rule_id": rule.id,
        "rule_name": rule.name,
        "matched_at": datetime(2026, 11, 18, 12, 0, n, tzinfo=UTC),
        "article_id": article_id,
        "url": f"https://news.example/{n}",
        "title": f"Story {n}",
        "persons": ["Mohammed Shia al-Sudani"],
        "organizations": ["Kataib Hezbollah"],
        "snippet": "the «Kataib» faction",
    }
    values.update(fields)
    return Alert.model_validate(values)


@pytest.fixture
def rule() -> Rule:
    return new_rule("kataib", "Kataib", webhooks=["http://127.0.0.1:1/hook"], secret="s3cret")


@pytest.fixture
def alert(rule: Rule) -> Alert:
    return make_alert(rule, 1)

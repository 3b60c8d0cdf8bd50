"""A rule as the API receives it (:class:`RuleSpec`) and as it shows one (:func:`public_rule`): checked as
``wirewatch rules add`` checks it (the query by ``wirewatch.core.kql``/``query``, every webhook and Teams URL
by the outbound address policy, the digest schedule by the alerter's parser), shown without a secret."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wirewatch.workspace.errors import bad_request

if TYPE_CHECKING:
    from wirewatch.core.settings import CommonSettings
    from wirewatch.schemas import Rule


class FacetFilters(BaseModel):
    """Exact names (case-insensitive) that every match must carry, as ``--person``/``--org``/… do."""

    model_config = ConfigDict(extra="forbid")

    persons: list[str] = Field(default_factory=list, max_length=50)
    organizations: list[str] = Field(default_factory=list, max_length=50)
    locations: list[str] = Field(default_factory=list, max_length=50)
    sources: list[str] = Field(default_factory=list, max_length=50)
    languages: list[str] = Field(default_factory=list, max_length=50)


class RuleSpec(BaseModel):
    """A rule to create or replace (``POST /api/rules``, ``PUT /api/rules/{name}``)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    query: str = Field(default="*", max_length=4000, description="Lucene query_string syntax (KQL with syntax=kql)")
    syntax: Literal["lucene", "kql"] = "lucene"
    filters: FacetFilters = Field(default_factory=FacetFilters)
    webhooks: list[str] = Field(default_factory=list, max_length=20)
    teams: list[str] = Field(default_factory=list, max_length=20)
    emails: list[str] = Field(default_factory=list, max_length=20)
    secret: str | None = Field(default=None, max_length=500, description="signing secret; never shown again")
    slack: bool = False
    per: Literal["article", "story"] = "story"
    grew_at_sources: int | None = Field(default=None, ge=2)
    throttle_minutes: float | None = Field(default=None, gt=0)
    digest: str | None = None
    timezone: str | None = None
    kind: Literal["match", "spike", "first_seen", "flatline"] = "match"
    spike: dict[str, Any] | None = None
    entity_type: Literal["person", "org", "place"] | None = None
    flatline: dict[str, Any] | None = None
    enabled: bool = True

    def lucene(self) -> str:
        """The query as stored (KQL translated), or a ``QueryError`` (a 400 naming the term)."""
        from wirewatch.core.kql import to_lucene

        return to_lucene(self.query or "*", self.syntax) or "*"


def public_rule(rule: Rule) -> dict[str, Any]:
    """A rule as shown (``rules list --json``): no secret, webhook and Teams URLs redacted with a fingerprint."""
    from wirewatch.core.stores.rules import public_view

    return public_view(rule)


def _check_emails(emails: list[str]) -> None:
    from wirewatch.core.stores.rules import email_problem

    for address in emails:
        if (problem := email_problem(address)) is not None:
            raise bad_request(problem, "bad_destination")


async def _check_urls(urls: list[str], settings: CommonSettings) -> None:
    """Webhook and Teams URLs the outbound address policy refuses, named (the alerter checks again)."""
    from urllib.parse import urlsplit

    from wirewatch.core.destinations import refusal
    from wirewatch.core.outbound import policy_for

    policy = policy_for(settings)
    bad = []
    for url in urls:
        if (reason := await refusal(url, policy)) is not None:
            bad.append(f"webhook to {urlsplit(url).hostname or '?'} refused: {reason}")
    if bad:
        raise bad_request(
            "the outbound address policy refuses: " + "; ".join(bad) + " (list internal receivers in "
            "WIREWATCH_OUTBOUND_ALLOW)",
            "bad_destination",
        )


def _schedule(spec: RuleSpec) -> str:
    """The digest's zone as the alerter reads it, or a 400 saying what is wrong."""
    from wirewatch.services.alerter import parse_schedule

    if spec.digest is None:
        if spec.timezone is not None:
            raise bad_request("timezone is the zone of a digest schedule: give digest too", "bad_schedule")
        return "UTC"
    if spec.throttle_minutes:
        raise bad_request("digest and throttle_minutes both set when a rule's messages go out: choose one")
    try:
        return str(parse_schedule(spec.digest, spec.timezone or "UTC").zone)
    except ValueError as exc:
        raise bad_request(str(exc), "bad_schedule") from None


async def rule_from_spec(spec: RuleSpec, settings: CommonSettings) -> Rule:
    """The :class:`~wirewatch.schemas.Rule` ``spec`` describes, or a 400 naming what is refused."""
    from wirewatch.core.stores.rules import new_rule
    from wirewatch.schemas import RuleFilters

    query = spec.lucene()
    if spec.kind in ("match", "spike") and query.strip() in ("", "*"):
        raise bad_request(f"a {spec.kind} rule needs a query", "bad_query")
    if not (spec.webhooks or spec.teams or spec.emails):
        raise bad_request("a rule needs at least one destination: webhooks, teams or emails", "bad_destination")
    if spec.grew_at_sources is not None and spec.per != "story":
        raise bad_request("grew_at_sources needs per=story")
    _check_emails(spec.emails)
    timezone = _schedule(spec)
    await _check_urls([*spec.webhooks, *spec.teams], settings)
    fields = spec.model_dump(exclude={"name", "query", "syntax", "filters", "webhooks", "secret", "timezone"})
    try:
        return new_rule(
            spec.name,
            query,
            webhooks=list(spec.webhooks),
            secret=spec.secret,
            filters=RuleFilters(**spec.filters.model_dump()),
            timezone=timezone,
            **fields,
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise bad_request(problems, "bad_rule") from None

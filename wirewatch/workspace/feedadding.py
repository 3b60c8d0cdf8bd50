"""Adding a feed from the workspace as ``wirewatch feeds add`` does: a site's page is searched for its feeds
through the fetcher's own onboarding (its client, caps and outbound policy), and the first found is added."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wirewatch.workspace.errors import WorkspaceError, bad_request

if TYPE_CHECKING:
    from wirewatch.core.stores.feeds import FeedStore
    from wirewatch.schemas import Feed
    from wirewatch.services.fetcher import Onboarding


async def _discover(url: str) -> Onboarding | str:
    """The feeds behind ``url``; why not (one line) when ``url`` could not be fetched."""
    from wirewatch.services.fetcher import FetchError, FetcherSettings, HTTPStatusError, onboard

    try:
        return await onboard(url, FetcherSettings())
    except HTTPStatusError as exc:  # the server answered: a wrong URL, not one to poll in vain
        raise bad_request(f"{url} answered {exc.status}; give the feed's own URL", "feed_not_found") from exc
    except FetchError as exc:
        return f"{exc.error_class}: {exc}"


def _found(onboarding: Onboarding) -> list[dict[str, Any]]:
    return [{"url": f.url, "title": f.title, "kind": f.kind, "items": f.items, "how": f.how} for f in onboarding.feeds]


async def add_feed(store: FeedStore, url: str, *, name: str | None, discover: bool) -> dict[str, Any]:
    """``{added: [{id, url, new}], found: [...], note}``; a 400 when nothing at ``url`` is a feed."""
    from wirewatch.core.stores.feeds import new_feed

    if not url.startswith(("http://", "https://")) or len(url) > 2000:
        raise bad_request("the feed URL must start with http:// or https://", "bad_url")
    note = None
    found: list[dict[str, Any]] = []
    feed: Feed = new_feed(url, name=name)
    if discover:
        onboarding = await _discover(url)
        if isinstance(onboarding, str):  # unreachable now: added as given, the poller will say more
            note = f"could not check {url} ({onboarding}); added as given"
        elif not onboarding.feeds:
            why = f" ({onboarding.page_error})" if onboarding.page_error else ""
            raise WorkspaceError(
                400, "feed_not_found", f"no feed found at {url}{why}: give the feed's own URL, or discover=false"
            )
        else:
            found = _found(onboarding)
            first = onboarding.feeds[0]
            feed = new_feed(first.url, name=name, kind="sitemap" if first.is_sitemap else "feed")
    new = await store.add(feed)
    return {"added": [{"id": feed.id, "url": feed.url, "new": new}], "found": found, "note": note}

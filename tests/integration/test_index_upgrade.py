"""An older installation's plain indices gain the fields a newer version writes: ``wirewatch stack up``
(``apply_templates``) maps them on the existing index instead of leaving a strict mapping that would refuse
every write carrying the new field. Real Elasticsearch."""

from __future__ import annotations

import pytest
from elasticsearch import BadRequestError

from wirewatch.core.es import apply_templates, make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.feeds import FeedHealth, FeedStore, new_feed

pytestmark = [pytest.mark.integration]


async def test_an_old_feeds_index_gains_new_fields_and_accepts_their_writes(initialised: CommonSettings) -> None:
    settings = initialised
    index = settings.index_name("feeds")
    es = make_es(settings)
    try:
        # the feeds template and index as an older version left them: without one field
        template = (await es.indices.get_index_template(name=index)).body["index_templates"][0]["index_template"]
        del template["template"]["mappings"]["properties"]["items_capped_at"]
        kept = {key: template[key] for key in ("index_patterns", "template", "priority") if key in template}
        await es.indices.put_index_template(name=index, **kept)
        await es.indices.delete(index=index)
        await es.indices.create(index=index)
        assert (
            "items_capped_at" not in (await es.indices.get_mapping(index=index)).body[index]["mappings"]["properties"]
        )
        store = FeedStore(es, index)
        feed = new_feed("https://news.example.org/feed.xml")
        with pytest.raises(BadRequestError, match="strict_dynamic_mapping"):
            await store.add(feed)  # what the new version would meet without the upgrade step

        assert await apply_templates(es, settings) == []  # nothing created, one field added
        properties = (await es.indices.get_mapping(index=index)).body[index]["mappings"]["properties"]
        assert properties["items_capped_at"] == {"type": "integer"}
        assert await store.add(feed)
        assert await store.save_health(feed.id, FeedHealth(items_capped_at=1000))
        await es.indices.refresh(index=index)
        [record] = await store.all()
        assert record.health.items_capped_at == 1000
    finally:
        await es.close()

"""The extractor's long-lived objects (model, gazetteers) are kept out of the cyclic collector's walks."""

from __future__ import annotations

import gc

from wirewatch.services.extractor.entities import EntityExtractor


def test_create_moves_the_loaded_model_and_gazetteers_out_of_the_collectors_reach() -> None:
    extractor = EntityExtractor.create("en_core_web_sm")
    collected = {id(o) for generation in range(3) for o in gc.get_objects(generation)}
    assert gc.is_tracked(extractor.gazetteer)
    assert id(extractor.gazetteer) not in collected  # frozen: a full collection no longer walks it
    assert id(extractor.pipeline.nlp) not in collected
    assert gc.get_freeze_count() > 0

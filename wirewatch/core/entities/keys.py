"""The entity registry's keys and ids: the fold names are counted under, a mention's document id, the index's
name, and the type majority."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from wirewatch.schemas.articles import MAIN_TYPES, Entity, EntityType

FAMILY = "entity-mentions"
#: the CLI's and rules' type names and the index's
TYPE_NAMES: dict[str, EntityType] = {"person": "PERSON", "org": "ORG", "place": "LOC"}
#: the reason a registry retype is recorded with: its votes never count towards the registry's own type
SELF = "registry"
#: the template's ``ignore_above`` of keys and names: a longer one is stored but never matches a query
MAX_TERM = 512
_APOSTROPHES = "'’ʼ‘`´"
_NOT_WORD = re.compile(r"[^\w]+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case, diacritics, apostrophes and punctuation folded away: "Kata'ib Ḥezbollah" → "kataib hezbollah".

    The same fold as the extractor's ``normalise.fold`` (core cannot import a service): the registry key of an
    entity the extractor gave no key, and the form entity names are searched by."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    for mark in _APOSTROPHES:
        plain = plain.replace(mark, "")
    return _NOT_WORD.sub(" ", plain.casefold()).strip()


def key_of(name: str, key: str | None = None) -> str:
    """The key a name is counted under: the extractor's ``key``, else the folded name (else the name)."""
    return key or fold(name) or name


def registry_key(entity: Entity) -> str:
    """:func:`key_of` an entity."""
    return key_of(entity.name, entity.key)


def mention_id(key: str, article_id: str) -> str:
    """The document id of one (key, article): stable across processes and releases (never Python's hash)."""
    digest = hashlib.blake2b(f"{key}\x1f{article_id}".encode(), digest_size=16)
    return digest.hexdigest()


def index_name(index_prefix: str | None = None) -> str:
    """``<prefix>-entity-mentions``; without a prefix, the one configured in the environment."""
    if index_prefix is None:
        from wirewatch.core.settings import CommonSettings

        index_prefix = CommonSettings().index_prefix
    return f"{index_prefix}-{FAMILY}"


def majority(votes: dict[str, int]) -> str | None:
    """The type with most votes; a tie goes to the first of PERSON, ORG, LOC, then alphabetical order."""
    if not votes:
        return None
    rank = {name: i for i, name in enumerate(MAIN_TYPES)}
    return min(votes, key=lambda t: (-votes[t], rank.get(t, len(rank)), t))

"""The words organisations' names are built of: head words that end a name ("Forces", "Cartel") or begin one
("Harakat", "Jaish", "Frente"), and the words around names (links such as "of" or "al", sentence openers, titles).
Folded (:func:`~.normalise.fold`): no accents, no apostrophes."""

from __future__ import annotations

from functools import lru_cache


def _words(text: str) -> list[str]:
    return text.split()


# Head words that end a name; "weak" ones are also surnames or common nouns ("Margaret Court", "Tyra Bank"),
# so they do not take a span away from PERSON.
HEAD_FINAL = frozenset(
    _words(
        """
        movement movements front forces force army armies brigade brigades battalion battalions regiment division
        party parties alliance coalition council corps mission agency agencies ministry ministries department
        government authority authorities union federation framework cartel militia militias group groups network
        committee commission organisation organization organisations organizations association institute
        company corporation court police guard guards command bureau tribunal assembly parliament congress
        league foundation fund society university college academy directorate secretariat office service
        services administration junta caucus syndicate gang gangs mafia faction factions legion clan online
        airways airlines bank news times journal herald tribune gazette radio television
        inc llc ltd plc corp gmbh llp empire dynasty club clubs marines navy
        associates partners holdings industries enterprises technologies labs laboratories studios records
        pictures communications motors motorsports systems solutions cooperation
        """
    )
)
WEAK_HEADS = frozenset(
    _words("court bank guard office service services union news times journal herald fund club systems solutions")
)
# Head words that begin a name, whatever follows (romanised Arabic, Persian, Urdu, Pashto, Somali, Hausa;
# Spanish; French). Folded: no accents, no apostrophes ("kata'ib" → "kataib").
HEAD_INITIAL = frozenset(
    _words(
        """
        harakat haraka harakah hizb hezb hizbul kataib katibat katiba saraya liwa liwaa jaish jaysh jeish ansar
        ansaru jabhat jabha hayat hayaat tanzim asaib jamaat jamaah jamaa jamaatu jamiat jamiyat jamiat tehrik
        tehreek tahreek tahrik lashkar sipah sepah majlis ittihad ittehad ahlu tahaluf tajammu harakatu firqat
        ejercito frente partido fuerzas fuerza movimiento alianza coordinadora autodefensas comando comandos
        bloque grupo brigada brigadas consejo colectivo foro collectif
        armee parti mouvement rassemblement congres groupe conseil
        """
    )
)
# English head words begin a name only before one of these ("Ministry of Defence", "Front for …"), and so do
# the ones French and Spanish share with English ("Forces de", "Union pour", "Cartel de").
HEAD_INITIAL_LINKS = frozenset({"of", "for", "pour", "de", "du", "des", "del"})
# Suffixes fused to a romanised head: "Hizbul", "Jama'atu", "Ansarul" ("Ansari" is a surname: no "i").
_FUSED = ("ul", "ut", "ud", "us", "u")
# Lowercase words that may join the capitalised words of one name.
LINKS = frozenset(_words("of for the and al el ul wal bin ibn de del la las los y e du des pour et da"))
# Capitalised words that are not part of a name that follows (sentence openers, days, months), and titles,
# which end a name before them.
OPENERS = frozenset(
    _words(
        """
        the a an in on at for but and or when after before while as if it its this that these those there then
        since during with from by to of however meanwhile last earlier later according under over about some
        monday tuesday wednesday thursday friday saturday sunday january february march april may june july
        august september october november december
        """
    )
)
TITLES = frozenset(
    _words(
        """
        mr mrs ms dr gen general col colonel lt maj major capt captain sgt cmdr commander chief leader head
        spokesman spokeswoman spokesperson minister president secretary director chairman chairwoman chair
        governor mayor sheikh sheik imam emir king prince senator rep ambassador envoy deputy vice prime
        official officials member members fighters militants rebels said says
        """
    )
)
AND_WORDS = frozenset({"and", "et", "y"})


def is_head(key: str) -> bool:
    last = key.split()[-1] if key else ""
    return last in HEAD_FINAL or has_head(key.split()[0] if key else "", HEAD_INITIAL)


@lru_cache(maxsize=65536)
def has_head(key: str, heads: frozenset[str]) -> bool:
    if key in heads:
        return True
    return any(key.endswith(fused) and key[: -len(fused)] in heads for fused in _FUSED if len(key) > len(fused) + 2)

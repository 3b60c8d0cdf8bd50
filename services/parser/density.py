"""Our own body extractor: readability-style paragraph scoring over the text blocks of a page.

Each prose-like block scores its container and, less, the containers above it. The best container,
discounted by its link density, wins; siblings that look like more of the same story join it. The
blocks inside the winners, minus link lists and furniture lines, are the body.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from wirewatch.services.parser.blocks import HEADING_TAGS, PARAGRAPH_TAGS, Block, attrs_of, extract_blocks
from wirewatch.services.parser.boilerplate import class_weight, is_boilerplate_line
from wirewatch.services.parser.furniture import comment_tail, cta_containers

MIN_PARAGRAPH = 25
MIN_BODY = 250
SPLIT_SHARE = 0.3  # a container of the same kind must score this share of the best one to join it
# A story cut into many small containers (an interview's question/answer pairs) scores less, container by
# container, than a compact box of comma-heavy items beside it. When the winners hold less than
# FRAGMENTED_SHARE of the page's prose and the deepest container holding MASS_SHARE of it holds at least
# MASS_GAIN times more, that container is the story.
FRAGMENTED_SHARE = 0.4
MASS_SHARE = 0.6
MASS_GAIN = 2.0
MASS_MAX_LINKS = 0.1  # … and barely linked: a ticker of teasers also holds a lot of prose
PROSE_MAX_LINKS = 0.3
_TAG_WEIGHT = {
    "div": 5.0, "article": 10.0, "main": 5.0, "section": 3.0, "pre": 3.0, "td": 3.0, "blockquote": 3.0,
    "address": -3.0, "ol": -3.0, "ul": -3.0, "dl": -3.0, "dd": -3.0, "dt": -3.0, "li": -3.0,
    "form": -3.0, "h1": -5.0, "h2": -5.0, "h3": -5.0, "h4": -5.0, "h5": -5.0, "h6": -5.0, "th": -5.0,
}  # fmt: skip


@dataclass(slots=True)
class _Tally:
    score: dict[HtmlElement, float] = field(default_factory=lambda: defaultdict(float))
    chars: dict[HtmlElement, int] = field(default_factory=lambda: defaultdict(int))
    blocks: dict[HtmlElement, int] = field(default_factory=lambda: defaultdict(int))
    links: dict[HtmlElement, int] = field(default_factory=lambda: defaultdict(int))
    prose: dict[HtmlElement, int] = field(default_factory=lambda: defaultdict(int))
    depth: dict[HtmlElement, int] = field(default_factory=dict)
    paths: dict[HtmlElement, tuple[HtmlElement, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DensityResult:
    """The paragraphs found, and the size and link share of all the page's text (for the quality gate)."""

    paragraphs: list[str]
    page_chars: int
    page_link_chars: int


def density_paragraphs(body: HtmlElement) -> DensityResult:
    """The article paragraphs of a page's ``<body>``, by paragraph scoring; empty when nothing scores.

    Like readability, a first pass skips containers named as furniture; if that leaves almost nothing
    (a theme that calls its article "widget" or "sidebar-content"), a second pass keeps them.
    """
    result = _paragraphs(body, strict=True)
    if sum(map(len, result.paragraphs)) < MIN_BODY:
        relaxed = _paragraphs(body, strict=False)
        result = relaxed if relaxed.paragraphs else result
    return result


def _paragraphs(body: HtmlElement, *, strict: bool) -> DensityResult:
    blocks = extract_blocks(body, strict=strict)
    tally = _score(blocks)
    chars, links = tally.chars.get(body, 0), tally.links.get(body, 0)
    if not tally.score:
        return DensityResult([], chars, links)
    winners = _by_mass(tally, _winners(tally), body)
    boxes = cta_containers(body, tally.chars, tally.blocks, tally.prose.get(body, 0))
    kept = [b.text for b in blocks if _keep(b, winners) and not any(a in boxes for a in b.path)]
    kept = kept[: comment_tail(kept)]  # before the furniture lines go: "Join the conversation" is one
    return DensityResult([t for t in kept if not is_boilerplate_line(t)], chars, links)


def _score(blocks: list[Block]) -> _Tally:
    tally = _Tally()
    for block in blocks:
        for ancestor in block.path:
            tally.chars[ancestor] += len(block.text)
            tally.blocks[ancestor] += 1
            tally.links[ancestor] += block.link_chars
        if len(block.text) < MIN_PARAGRAPH or block.tag in HEADING_TAGS:
            continue
        if block.link_density < PROSE_MAX_LINKS:
            for depth, ancestor in enumerate(block.path):
                tally.prose[ancestor] += len(block.text)
                tally.depth[ancestor] = depth
        points = 1 + block.text.count(",") + min(len(block.text) // 100, 3)
        for level, depth in enumerate(_container_depths(block)):
            ancestor = block.path[depth]
            if ancestor not in tally.score:
                tally.score[ancestor] = _initial(ancestor)
                tally.paths[ancestor] = block.path[: depth + 1]
            tally.score[ancestor] += points / (1 if level == 0 else level * 2)
    return tally


def _container_depths(block: Block) -> range:
    """Where in its path sit the (up to three) elements a paragraph votes for, nearest first."""
    nearest = len(block.path) - (2 if block.tag in PARAGRAPH_TAGS else 1)
    return range(nearest, max(nearest - 3, -1), -1)


def _initial(element: HtmlElement) -> float:
    return _TAG_WEIGHT.get(str(element.tag), 0.0) + class_weight(attrs_of(element))


def _final(tally: _Tally, element: HtmlElement) -> float:
    chars = tally.chars[element] or 1
    return tally.score[element] * (1 - tally.links[element] / chars)


def _winners(tally: _Tally) -> set[HtmlElement]:
    top = max(tally.score, key=lambda e: _final(tally, e))
    top_score = _final(tally, top)
    parent = top.getparent()
    if parent is None:
        return {top}
    threshold = max(10.0, top_score * 0.2)
    winners = {top}
    for sibling in parent:
        if sibling is not top and _joins(tally, sibling, threshold, top):
            winners.add(sibling)
    _add_split_parts(tally, top, top_score, winners)
    return winners


def _by_mass(tally: _Tally, winners: set[HtmlElement], body: HtmlElement) -> set[HtmlElement]:
    """The winners, or the one container that holds most of the page's prose when they hold little of it."""
    total = tally.prose.get(body, 0)
    held = sum(tally.prose.get(w, 0) for w in winners)
    if not total or held >= total * FRAGMENTED_SHARE:
        return winners
    holding = [e for e, chars in tally.prose.items() if chars >= total * MASS_SHARE]
    deepest = max(holding, key=lambda e: tally.depth[e])
    linked = tally.links[deepest] / (tally.chars[deepest] or 1)
    return {deepest} if tally.prose[deepest] >= MASS_GAIN * held and linked <= MASS_MAX_LINKS else winners


def _add_split_parts(tally: _Tally, top: HtmlElement, top_score: float, winners: set[HtmlElement]) -> None:
    """Add the other pieces of a story that an ad slot or a sign-up box split into several containers."""
    for candidate in sorted(tally.score, key=lambda e: _final(tally, e), reverse=True):
        if _final(tally, candidate) < top_score * SPLIT_SHARE:
            return
        if not _overlaps(tally, candidate, winners) and _same_kind(candidate, top):
            winners.add(candidate)


def _overlaps(tally: _Tally, candidate: HtmlElement, winners: set[HtmlElement]) -> bool:
    path = tally.paths[candidate]
    return any(w in path or candidate in tally.paths.get(w, (w,)) for w in winners)


def _same_kind(candidate: HtmlElement, top: HtmlElement) -> bool:
    return candidate.tag == top.tag and bool(candidate.get("class")) and candidate.get("class") == top.get("class")


def _joins(tally: _Tally, sibling: HtmlElement, threshold: float, top: HtmlElement) -> bool:
    bonus = threshold if _same_kind(sibling, top) else 0.0
    if sibling in tally.score and _final(tally, sibling) + bonus >= threshold:
        return True
    chars = tally.chars.get(sibling, 0)
    if sibling.tag != "p" or chars == 0:
        return False
    density = tally.links[sibling] / chars
    return (chars > 80 and density < 0.25) or density == 0


def _keep(block: Block, winners: set[HtmlElement]) -> bool:
    if not any(a in winners for a in block.path):
        return False
    if block.tag == "h1":
        return False
    return not (block.link_density > 0.5 and (block.tag in ("li", "dt", "dd") or len(block.text) < 200))

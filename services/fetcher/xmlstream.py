"""An XML document read as a stream of items, in memory bounded by what its reader keeps.

:class:`ItemTarget` is the parser target both passes of :mod:`wirewatch.services.fetcher.xmlsafe` drive. It
builds ElementTree elements, and when an item element ends (an RSS ``<item>``, an Atom ``<entry>``, a sitemap
``<url>``: its local name and depth are the document type's :class:`ItemPlace`) it takes it out of the tree
and queues it for the reader. :class:`XmlStream` feeds the parser one piece of text at a time and hands the
queued items over, so a reader that stops after its cap stops the parse: neither memory nor time grows with
the rest of the document.

What stays in the tree (the root, a channel's title and links, the item being read) is bounded too: at most
:data:`MAX_ELEMENTS` elements, :data:`MAX_DEPTH` levels deep (libxml2's own default), and
:data:`MAX_TEXT_CHARS` characters per piece of text (more than any reader looks at: summaries are read from
their first 64 KiB).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from typing import NamedTuple
from xml.etree.ElementTree import Element, TreeBuilder

from wirewatch.services.fetcher.errors import FeedParseError

MAX_ELEMENTS = 200_000
MAX_DEPTH = 256
MAX_TEXT_CHARS = 64 * 1024


class ItemPlace(NamedTuple):
    """Where a document type keeps its items: their local name, and their depth (the root's is 0)."""

    name: str
    depth: int


def local_name(tag: object) -> str:
    """``{namespace}name`` → ``name``; comments and processing instructions → ``""``."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


class ItemTarget:
    """A parser target (``start``/``end``/``data``/``close``) that detaches item elements as they end."""

    def __init__(self, places: Mapping[str, ItemPlace], *, url: str | None) -> None:
        self.root: Element | None = None
        self.done: deque[Element] = deque()
        self._builder = TreeBuilder()
        self._places = places
        self._place: ItemPlace | None = None
        self._open: list[Element] = []
        self._kept = 0  # elements in the tree
        self._text = 0  # characters in the current piece of text
        self._url = url

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        if len(self._open) >= MAX_DEPTH:
            raise FeedParseError(f"elements nested more than {MAX_DEPTH} deep", url=self._url)
        if self._kept >= MAX_ELEMENTS:
            raise FeedParseError(f"more than {MAX_ELEMENTS} elements outside the items", url=self._url)
        element = self._builder.start(tag, dict(attrib))
        if self.root is None:
            self.root, self._place = element, self._places.get(local_name(tag))
        self._open.append(element)
        self._kept += 1
        self._text = 0

    def end(self, tag: str) -> None:
        element = self._builder.end(tag)
        self._open.pop()
        self._text = 0
        place = self._place
        if place is not None and len(self._open) == place.depth and local_name(element.tag) == place.name:
            del self._open[-1][-1]  # it has just ended, so it is its parent's last child
            self._kept -= sum(1 for _ in element.iter())
            self.done.append(element)

    def data(self, text: str) -> None:
        if self._text < MAX_TEXT_CHARS:
            self._builder.data(text[: MAX_TEXT_CHARS - self._text])
        self._text += len(text)

    def close(self) -> Element | None:
        return self.root


class XmlStream:
    """A document being parsed: its ``root`` as soon as the first tag is read, then its ``items()``.

    ``steps`` is a pass of :mod:`~wirewatch.services.fetcher.xmlsafe`: each step feeds ``target`` one more
    piece of the document; the pass ends when the document does.
    """

    def __init__(self, target: ItemTarget, steps: Iterator[object], *, url: str | None) -> None:
        self._target = target
        self._steps = steps
        self._url = url

    @property
    def root(self) -> Element:
        while self._target.root is None:
            if not next(self._steps, False):
                raise FeedParseError("no XML element", url=self._url)
        return self._target.root

    def items(self) -> Iterator[Element]:
        """The item elements in document order, each out of the tree; parsing goes on only while asked."""
        more = True
        while more:
            more = bool(next(self._steps, False))
            while self._target.done:
                yield self._target.done.popleft()

    def document(self) -> Element:
        """Parse to the end; the root (the whole tree when the document type has no item place)."""
        for _item in self.items():
            pass
        return self.root

"""One site's frontier: the links found but not yet fetched, best first (not by depth).

A link's score says how likely it leads to the НОК documents (``crawler.detectors.links``); a
detector that names a link's target (a plan's title on a «Скачать» link) raises it. The budget is
spent from the top, so a plan two clicks below «Сведения…» is fetched before the hundredth news
item. What is left when the budget runs out is the measure of how incomplete the search was.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field

# Links scored below this (news, galleries, calendars, the version for the visually impaired) are
# not where the documents are: leaving them unfetched does not make a search incomplete.
RELEVANT = 0.1
# A guessed URL (a sitemap entry, a platform's usual path) counts only when its words promise more.
GUESS_RELEVANT = 0.3


def is_relevant(score: float, guess: bool = False) -> bool:
    """Whether a link (or a guessed platform path) could lead to the documents: one left unfetched,
    blocked or failed means the search was not complete."""
    return score >= (GUESS_RELEVANT if guess else RELEVANT)


@dataclass(frozen=True)
class Lead:
    """A link waiting to be fetched."""

    url: str
    score: float
    depth: int
    guess: bool = False  # a platform's usual path or a sitemap entry, not a link seen on a page


@dataclass
class Frontier:
    """Links waiting to be fetched, best first; each URL enters once."""

    _heap: list[tuple[float, int, Lead]] = field(default_factory=list)
    _order: itertools.count = field(default_factory=itertools.count)
    seen: set[str] = field(default_factory=set)

    def add(self, lead: Lead) -> bool:
        """Queue a link the first time its URL is seen; True if queued."""
        if lead.url in self.seen:
            return False
        self.seen.add(lead.url)
        # ties keep discovery order: the page's own order of equally promising links
        heapq.heappush(self._heap, (-lead.score, next(self._order), lead))
        return True

    def raise_score(self, url: str, score: float, depth: int) -> None:
        """Queue (or re-queue higher) a link a detector vouches for."""
        if url not in self.seen:
            self.add(Lead(url, score, depth))
            return
        for index, (neg, order, lead) in enumerate(self._heap):
            if lead.url == url and -neg < score:
                self._heap[index] = (-score, order, Lead(url, score, lead.depth, lead.guess))
                heapq.heapify(self._heap)
                return

    def pop(self) -> Lead | None:
        """The most promising link, or None when none is left."""
        return heapq.heappop(self._heap)[2] if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)

    def relevant(self) -> list[Lead]:
        """Links left that could lead to the documents (not news, galleries, calendars)."""
        return [lead for _, _, lead in self._heap if is_relevant(lead.score, lead.guess)]

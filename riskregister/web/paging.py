"""Paging a large list without counting all of it.

An exact COUNT(*) of the register reads every risk the viewer may see: about 220 ms of the
reviewer's 290 ms first page on PostgreSQL at 600,000 risks, growing with the register
(bench/web.py). Counting stops at `cap` rows instead, so the first page costs the same at any size;
past the cap the page says "more than" and points to the filters and the CSV export, which has
every row.
"""

from functools import cached_property

from django.core.paginator import Paginator

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A paginator whose count is exact up to `cap` rows; `capped` says there are more."""

    def __init__(self, object_list, per_page, *, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap
        self.capped = False

    @cached_property
    def count(self) -> int:
        # Unordered and sliced: the database stops after cap + 1 rows instead of sorting them all.
        counted = self.object_list.order_by()[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)

from rest_framework.pagination import PageNumberPagination


class RegisterPagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most 200); the page's rows are fetched with a fixed number of
    queries whatever its size (pinned by tests/api/test_query_counts.py)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

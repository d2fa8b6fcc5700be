"""The shared pager under paginated tables (templates/partials/pagination.html)."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.utils import translation


def render(page_number: int, **context) -> str:
    page = Paginator(list(range(30)), 10).page(page_number)
    with translation.override("en"):
        return render_to_string("partials/pagination.html", {"page": page, **context})


def test_middle_page_links_both_ways_and_keeps_the_filters():
    html = render(2, filter_query="status=open")

    assert "Page 2 of 3" in html
    assert 'href="?status=open&amp;page=1"' in html
    assert 'href="?status=open&amp;page=3"' in html
    assert "hx-get" not in html


def test_with_a_target_the_links_swap_it_with_htmx():
    html = render(1, filter_query="", hx_target="#customer-table")

    assert 'href="?page=2"' in html
    assert 'hx-get="?page=2" hx-target="#customer-table"' in html
    assert "Previous" not in html


def test_a_single_page_has_no_pager():
    page = Paginator([1, 2], 10).page(1)

    assert render_to_string("partials/pagination.html", {"page": page}).strip() == ""

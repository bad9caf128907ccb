"""Link headers as real platforms write them, and line-item service URLs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lti_tool.lti.links import (
    next_page_url,
    numbered_pages,
    parse_link_header,
    same_origin,
    service_url,
)


def test_spec_style_next_link() -> None:
    header = '<https://lms.example/api/items?page=2>; rel="next"'
    assert next_page_url(header, "https://lms.example/api/items") == (
        "https://lms.example/api/items?page=2"
    )


def test_canvas_sends_several_links_in_one_header() -> None:
    header = (
        '<https://c.example/api/lti/courses/1/line_items?page=1&per_page=10>; rel="current",'
        '<https://c.example/api/lti/courses/1/line_items?page=2&per_page=10>; rel="next",'
        '<https://c.example/api/lti/courses/1/line_items?page=1&per_page=10>; rel="first",'
        '<https://c.example/api/lti/courses/1/line_items?page=3&per_page=10>; rel="last"'
    )
    links = parse_link_header(header)
    assert links["next"].endswith("page=2&per_page=10")
    assert links["last"].endswith("page=3&per_page=10")
    assert links["current"].endswith("page=1&per_page=10")


def test_moodles_typographic_quotes_as_unicode() -> None:
    url = "https://m.example/mod/lti/services.php/2/lineitems?type_id=1&limit=5&from=5"
    header = f"<{url}>; rel=\u201cnext\u201d"
    assert next_page_url(header, "") == (
        "https://m.example/mod/lti/services.php/2/lineitems?type_id=1&limit=5&from=5"
    )


def test_moodles_typographic_quotes_as_an_http_client_decodes_them() -> None:
    # PHP sends UTF-8 bytes; Python's HTTP clients decode header bytes as Latin-1.
    raw = "<https://m.example/x?from=5>; rel=\u201cnext\u201d".encode().decode("latin-1")
    assert "\u00e2\u0080\u009c" in raw
    assert next_page_url(raw, "") == "https://m.example/x?from=5"


@pytest.mark.parametrize(
    "header",
    [
        "<https://x.example/p2>; rel=next",
        '<https://x.example/p2>; REL="NEXT"',
        "<https://x.example/p2>;rel='next'",
        '<https://x.example/p2> ; rel = "next"',
        '<https://x.example/p2>; title="a, b; c"; rel="next last"',
        '<https://x.example/p1>; rel="prev", <https://x.example/p2>; rel="next"',
    ],
)
def test_next_link_in_every_spelling(header: str) -> None:
    assert next_page_url(header, "https://x.example/p1") == "https://x.example/p2"


def test_urls_keep_their_case_and_commas() -> None:
    # pylti1p3 lowercased the next URL and broke signed paging URLs.
    header = '<https://x.example/Items?Sig=AbC,dEf&page=2>; rel="next"'
    assert next_page_url(header, "") == "https://x.example/Items?Sig=AbC,dEf&page=2"


def test_relative_next_links_resolve_against_the_current_page() -> None:
    header = '</api/items?page=2>; rel="next"'
    assert next_page_url(header, "https://x.example/api/items?page=1") == (
        "https://x.example/api/items?page=2"
    )


@pytest.mark.parametrize(
    "header", [None, "", "garbage", "<unterminated; rel=next", '<https://x/p>; rel="prev"']
)
def test_no_next_link_means_the_last_page(header: str | None) -> None:
    assert next_page_url(header, "https://x/p1") is None


def test_results_go_before_moodles_query_string() -> None:
    item = "https://m.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=1"
    assert service_url(item, "/results") == (
        "https://m.example/mod/lti/services.php/2/lineitems/7/lineitem/results?type_id=1"
    )
    assert service_url(item, "/scores") == (
        "https://m.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=1"
    )


def test_params_join_an_existing_query_and_replace_their_namesakes() -> None:
    url = service_url("https://m.example/li/7?type_id=1&limit=2", "/results", {"limit": "100"})
    assert url == "https://m.example/li/7/results?type_id=1&limit=100"


def test_plain_line_item_urls_and_trailing_slashes() -> None:
    assert service_url("https://c.example/line_items/7", "/results") == (
        "https://c.example/line_items/7/results"
    )
    assert service_url("https://c.example/line_items/7/", "/scores") == (
        "https://c.example/line_items/7/scores"
    )
    assert service_url("https://c.example/line_items", params={"limit": "5"}) == (
        "https://c.example/line_items?limit=5"
    )


def test_same_origin() -> None:
    assert same_origin("https://A.example/x", "https://a.example/y?z")
    assert not same_origin("https://a.example/x", "https://evil.example/x")
    assert not same_origin("https://a.example/x", "http://a.example/x")
    assert not same_origin("https://a.example/x", "https://a.example:8443/x")


@given(st.text(max_size=300), st.text(max_size=50))
def test_any_header_parses_without_error(header: str, base: str) -> None:
    links = parse_link_header(header, "https://lms.example/" + base)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in links.items())


@given(st.text(max_size=100), st.dictionaries(st.text(max_size=10), st.text(max_size=10)))
def test_any_item_url_builds_without_error(path: str, params: dict[str, str]) -> None:
    url = service_url("https://lms.example/" + path, "/results", params)
    assert "/results" in url


def test_plainly_numbered_pages_are_listed_from_next_to_last() -> None:
    pages = numbered_pages(
        "https://c.example/li/7/results?limit=50&page=2&per_page=50",
        "https://c.example/li/7/results?limit=50&page=4&per_page=50",
    )
    assert pages == [
        "https://c.example/li/7/results?limit=50&page=2&per_page=50",
        "https://c.example/li/7/results?limit=50&page=3&per_page=50",
        "https://c.example/li/7/results?limit=50&page=4&per_page=50",
    ]


@pytest.mark.parametrize(
    ("next_url", "last_url"),
    [
        ("https://c.example/x?page=2", None),
        ("https://c.example/x?page=bookmark:WzEwXQ", "https://c.example/x?page=bookmark:WzkwXQ"),
        ("https://c.example/x?page=2&sig=a", "https://c.example/x?page=5&sig=b"),
        ("https://c.example/x?page=2", "https://other.example/x?page=5"),
        ("https://c.example/x?page=2", "https://c.example/y?page=5"),
        ("https://c.example/x?page=5", "https://c.example/x?page=2"),
        ("https://c.example/x?from=2", "https://c.example/x?from=5"),
    ],
)
def test_anything_less_plain_is_followed_page_by_page(next_url: str, last_url: str | None) -> None:
    assert numbered_pages(next_url, last_url) is None

"""AGS against the built-in platform behaving as Canvas and as Moodle: paging, URLs, scores."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.lti.ags import LAST_SCORE_PREFIX
from lti_tool.lti.claims import MediaType
from lti_tool.lti.services import ServiceClient, ServiceError
from lti_tool.platform_sim.services import set_grade
from lti_tool.platform_sim.store import SimStore
from tests.web.services_setup import add_learners, service_client, service_log


@pytest.fixture
def services(app: Flask, client: FlaskClient, sim: SimStore) -> ServiceClient:
    """The tool's service client for course c1, with small pages so paging is exercised."""
    return service_client(app, client, sim, page_size=4)


def test_the_launch_hands_over_the_products_line_item_url(
    services: ServiceClient, product: str
) -> None:
    url = services.services.lineitems_url or ""
    if product == "moodle":
        assert "/mod/lti/services.php/c1/lineitems?type_id=dep-1" in url
    else:
        assert url.endswith("/api/lti/courses/c1/line_items")


def test_every_page_of_line_items_is_read_in_both_link_styles(
    services: ServiceClient, sim: SimStore, product: str
) -> None:
    created = [services.create_line_item(f"Check-in {n}", 10) for n in range(11)]
    listed = services.line_items()
    assert [i.id for i in listed] == [i.id for i in created]
    pages = [e for e in service_log(sim, "ineitems") + service_log(sim, "line_items")]
    gets = [e for e in pages if e["method"] == "GET"]
    assert len(gets) == 3  # 4 + 4 + 3
    if product == "moodle":
        assert all("type_id=dep-1" in e["query"] for e in gets)
        assert "from=8" in gets[-1]["query"]
    else:
        assert "page=3" in gets[-1]["query"]


def test_line_items_carry_their_fields_and_filter_by_tag(services: ServiceClient) -> None:
    item = services.create_line_item(
        "Fractions check-in", 4, tag="MATH.5.NF.1", resource_id="competency:MATH.5.NF.1"
    )
    services.create_line_item("Other", 10, tag="OTHER")
    assert (item.label, item.score_maximum, item.tag) == ("Fractions check-in", 4.0, "MATH.5.NF.1")
    assert item.resource_id == "competency:MATH.5.NF.1"
    assert [i.id for i in services.line_items(tag="MATH.5.NF.1")] == [item.id]


def test_a_line_item_can_be_updated_and_deleted(services: ServiceClient) -> None:
    item = services.create_line_item("Draft", 10)
    changed = services.update_line_item(item, label="Final", score_maximum=20)
    assert (changed.label, changed.score_maximum) == ("Final", 20.0)
    services.delete_line_item(changed)
    assert services.line_items() == []


def test_results_read_every_page_and_an_empty_grade_is_none_not_zero(
    services: ServiceClient, sim: SimStore, product: str
) -> None:
    extra = add_learners(sim, 9)
    item = services.create_line_item("Quiz", 10)
    [item_id] = sim.lineitems
    set_grade(sim, item_id, "l1", 7)
    set_grade(sim, item_id, "l2", 0)
    for uid in extra[:5]:
        set_grade(sim, item_id, uid, 10)
    results = {r.user_id: r for r in services.results(item)}
    assert results["l1"].score == 7 and results["l1"].maximum == 10
    assert results["l2"].score == 0  # a real zero stays a zero
    if product == "moodle":
        # Moodle lists only users with a grade.
        assert set(results) == {"l1", "l2", *extra[:5]}
    else:
        # Canvas lists every learner; those not graded have no resultScore.
        assert set(results) == {"l1", "l2", *extra}
        assert all(results[u].score is None for u in extra[5:])
    result_gets = service_log(sim, "/results")
    assert len(result_gets) == (2 if product == "moodle" else 3)  # pages of 4
    if product == "moodle":
        # /results went before the query string, which kept type_id.
        assert all(e["path"].endswith("/lineitem/results") for e in result_gets)
        assert all("type_id=dep-1" in e["query"] for e in result_gets)


def test_a_cleared_grade_reads_back_as_no_score(services: ServiceClient, sim: SimStore) -> None:
    item = services.create_line_item("Quiz", 10)
    item_id = next(iter(sim.lineitems))
    set_grade(sim, item_id, "l1", 5)
    set_grade(sim, item_id, "l1", None)
    by_user = {r.user_id: r for r in services.results(item)}
    assert by_user.get("l1") is None or by_user["l1"].score is None


def test_scores_go_with_the_score_media_type_and_show_as_results(
    services: ServiceClient, sim: SimStore
) -> None:
    item = services.create_line_item("Mastery: fractions", 4)
    services.post_score(item, "l1", 3, 4, comment="Meets")
    [posted] = [e for e in service_log(sim, "/scores")]
    assert posted["content_type"] == MediaType.SCORE
    by_user = {r.user_id: r for r in services.results(item)}
    assert by_user["l1"].score == 3 and by_user["l1"].comment == "Meets"


def test_score_timestamps_stay_monotonic_even_when_the_clock_says_otherwise(
    services: ServiceClient, sim: SimStore
) -> None:
    item = services.create_line_item("Mastery", 4)
    now = datetime.now(UTC)
    services.post_score(item, "l1", 1, 4, timestamp=now)
    services.post_score(item, "l1", 2, 4, timestamp=now)  # same instant
    services.post_score(item, "l1", 3, 4, timestamp=now - timedelta(minutes=5))  # clock back
    history = next(iter(sim.scores.values()))
    stamps = [datetime.fromisoformat(r["timestamp"]) for r in history]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    assert {r.user_id: r.score for r in services.results(item)}["l1"] == 3


def test_the_platform_refuses_an_older_score_as_each_lms_does(
    services: ServiceClient, sim: SimStore, product: str
) -> None:
    item = services.create_line_item("Mastery", 4)
    services.post_score(item, "l1", 1, 4)
    # Forget the last timestamp the tool sent, as a tool with a lost cache would.
    services.cache.delete(_score_key(item.id, "l1"))
    with pytest.raises(ServiceError) as err:
        services.post_score(item, "l1", 2, 4, timestamp=datetime(2020, 1, 1, tzinfo=UTC))
    assert err.value.status == (400 if product == "canvas" else 409)


def _score_key(item_url: str, user_id: str) -> str:
    """The cache key under which the tool keeps the last score timestamp it sent."""
    return LAST_SCORE_PREFIX + hashlib.sha256(f"{item_url}\n{user_id}".encode()).hexdigest()


def test_a_score_for_a_teacher_is_refused_with_the_platforms_status(
    services: ServiceClient, product: str
) -> None:
    item = services.create_line_item("Mastery", 4)
    with pytest.raises(ServiceError) as err:
        services.post_score(item, "t1", 1, 4)
    assert err.value.status == (422 if product == "canvas" else 400)
    assert "learner" in err.value.message


def test_many_line_items_results_at_once_keep_failures_apart(
    services: ServiceClient, sim: SimStore
) -> None:
    items = [services.create_line_item(f"Item {n}", 10) for n in range(6)]
    for item_id in list(sim.lineitems)[:6]:
        set_grade(sim, item_id, "l1", 5)
    gone = list(sim.lineitems)[2]
    del sim.lineitems[gone]  # deleted in the LMS between listing and fetching
    batch = services.results_for(items, concurrency=3)
    assert len(batch.fetched) == 5 and len(batch.failed) == 1
    assert not batch.complete
    assert all(r[0].score == 5 for r in batch.fetched.values() if r)
    [error] = batch.failed.values()
    assert error.status == 404


def test_service_calls_carry_user_agent_and_media_types(
    app: Flask, services: ServiceClient, sim: SimStore
) -> None:
    item = services.create_line_item("Quiz", 10)
    services.line_items()
    services.results(item)
    log = sim.request_log
    assert all(e["user_agent"] == app.config["USER_AGENT"] for e in log)
    assert all(e["authorization"] for e in log)
    accepts = {e["accept"] for e in log if e["method"] == "GET"}
    assert accepts == {MediaType.LINEITEM_CONTAINER, MediaType.RESULT_CONTAINER}
    [post] = [e for e in log if e["method"] == "POST"]
    assert post["content_type"] == MediaType.LINEITEM


def test_fetch_course_reads_roster_items_and_results_together(
    services: ServiceClient, sim: SimStore
) -> None:
    extra = add_learners(sim, 6)
    for n in range(3):
        services.create_line_item(f"Item {n}", 10)
    for item_id in sim.lineitems:
        set_grade(sim, item_id, extra[0], 9)
    snap = services.fetch_course(concurrency=2)
    assert snap.complete
    assert [m.user_id for m in snap.members or []] == ["t1", "l1", "l2", *extra]
    assert len(snap.line_items) == 3 and set(snap.results.fetched) == {
        i.id for i in snap.line_items
    }
    for results in snap.results.fetched.values():
        assert {r.user_id: r.score for r in results}[extra[0]] == 9


def test_a_roster_failure_leaves_the_grades_fetched(services: ServiceClient, sim: SimStore) -> None:
    services.create_line_item("Item", 10)
    sim.disabled_services = ["nrps"]
    snap = services.fetch_course()
    assert not snap.complete and snap.members is None
    assert snap.members_error is not None and snap.members_error.status == 401
    assert len(snap.results.fetched) == 1


def test_grade_sync_only_means_no_new_columns_and_says_so(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    # Moodle's "grade sync only": read columns and results, post scores, no column management.
    for tool in sim.tools.values():
        tool.scopes = [
            "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
            "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
            "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        ]
    services = service_client(app, client, sim)
    assert services.line_items() == []
    with pytest.raises(ServiceError, match="column management"):
        services.create_line_item("Quiz", 10)


def test_a_line_item_gone_mid_sync_fails_alone(
    services: ServiceClient, sim: SimStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = add_learners(sim, 10)  # three pages of results per line item
    items = [services.create_line_item(f"Item {n}", 10) for n in range(4)]
    for item_id in sim.lineitems:
        set_grade(sim, item_id, extra[-1], 7)
    listed = services.line_items()
    del sim.lineitems[list(sim.lineitems)[1]]  # deleted in the LMS after the listing
    monkeypatch.setattr(services, "line_items", lambda: listed)
    snap = services.fetch_course(concurrency=3)
    assert set(snap.results.failed) == {items[1].id}
    assert snap.results.failed[items[1].id].status == 404
    for item in (items[0], items[2], items[3]):
        results = snap.results.fetched[item.id]
        assert {r.user_id: r.score for r in results}[extra[-1]] == 7
        assert results == services.results(item)  # the same rows, in the same order
    assert snap.members is not None and snap.members == services.members()

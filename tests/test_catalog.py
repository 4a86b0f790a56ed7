"""The catalog stage on plain in-memory libraries: visibility and rights, scoring, related works,
routes. No files, no MkDocs: each rule costs microseconds, not a site build."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.catalog.catalog import build_catalog
from generator.catalog.related import related_works
from generator.catalog.rights import Edition, Visibility, days_left, expired, stub_reason, visibility
from generator.catalog.scoring import contributor_stats, find_records, rank_contributors, work_value
from generator.content.taxonomy import TagVocabulary
from generator.model import (
    Audience,
    Contributor,
    Credit,
    Evaluation,
    Library,
    Reuse,
    Rights,
    Status,
    Tier,
    Use,
    Work,
    WorkType,
)
from generator.options import ScoringWeights
from generator.pages.routes import Routes

AS_OF = dt.date(2026, 6, 1)
INTERNAL = Edition(Audience.INTERNAL, AS_OF)
DEALER = Edition(Audience.DEALER, AS_OF)
PEOPLE = {cid: Contributor(cid, name, tier) for cid, name, tier in
          (("alice", "阿丽", Tier.LEADER), ("bob", "小博", Tier.SPECIALIST), ("carol", "卡萝", Tier.EXPLORER))}


def make(wid, uses=(Use.TRAINING, Use.DEALER_MEETING), expires=None, status=Status.PUBLISHED, date=dt.date(2026, 1, 1),
         who=("alice",), type=WorkType.ARTICLE, score=None, featured=False, reuse=0, tags=(), scenarios=(), body=""):
    return Work(id=wid, source=f"content/works/{wid}.md", title=wid, type=type, date=date,
                credits=tuple(Credit(c) for c in who), rights=Rights(tuple(uses), expires), body=body,
                tags=tuple(tags), scenarios=tuple(scenarios), status=status, featured=featured,
                evaluation=Evaluation(score) if score else None,
                reuse=tuple(Reuse(dt.date(2026, 2, i + 1), f"会议{i}") for i in range(reuse)), content_hash=wid)


# -- visibility and rights -----------------------------------------------------------------------

@pytest.mark.parametrize("work, edition, expected", [
    (make("a"), INTERNAL, Visibility.LISTED),
    (make("a", uses=(Use.TRAINING,)), DEALER, Visibility.ABSENT),  # not cleared for dealer meetings
    (make("a", uses=()), INTERNAL, Visibility.LISTED),  # view only is still listed internally
    (make("a", expires=dt.date(2026, 5, 31)), INTERNAL, Visibility.STUB),  # expired the day before
    (make("a", expires=AS_OF), INTERNAL, Visibility.LISTED),  # the last day still counts
    (make("a", status=Status.WITHDRAWN), INTERNAL, Visibility.STUB),
    (make("a", status=Status.WITHDRAWN), DEALER, Visibility.STUB),
    (make("a", status=Status.DRAFT), INTERNAL, Visibility.ABSENT),  # a draft never leaves a stub
    (make("a", status=Status.DRAFT), Edition(Audience.INTERNAL, AS_OF, drafts=True), Visibility.DRAFT),
])
def test_visibility(work, edition, expected):
    assert visibility(work, edition) is expected


def test_rights_dates_and_stub_reasons():
    work = make("a", expires=dt.date(2026, 6, 30))
    assert days_left(work, AS_OF) == 29 and not expired(work, AS_OF)
    assert days_left(make("b"), AS_OF) is None
    assert stub_reason(make("a", status=Status.WITHDRAWN)) == "已撤回，内容已下线"
    assert stub_reason(make("a", expires=dt.date(2026, 1, 2))) == "授权已到期（2026-01-02），内容已下线"


def test_catalog_groups_listed_works_and_counts_offline_ones():
    works = (make("new", date=dt.date(2026, 3, 1), tags=("续航",), scenarios=("camping",), who=("alice", "bob")),
             make("old", expires=dt.date(2026, 1, 1), who=("bob",)),
             make("draft", status=Status.DRAFT, who=("carol",)),
             make("internal-only", uses=(Use.TRAINING,), scenarios=("camping",)))
    tags = TagVocabulary(())
    tags.assign_slugs(["续航"])
    cat = build_catalog(Library(works, PEOPLE), INTERNAL, tags)
    assert [w.id for w in cat.listed] == ["new", "internal-only"]
    assert [w.id for w in cat.counted] == ["new", "old", "internal-only"]  # offline works still count, drafts not
    assert [w.id for w in cat.by_scenario["camping"]] == ["new", "internal-only"]
    assert cat.tag_labels == {"xu-hang": "续航"} and [w.id for w in cat.by_tag["xu-hang"]] == ["new"]
    assert [w.id for w in cat.by_contributor["bob"]] == ["new"]
    assert [w.id for w in cat.counted_by_contributor["bob"]] == ["new", "old"]
    assert cat.has_profile("carol")  # internal edition: everyone
    dealer = build_catalog(Library(works, PEOPLE), DEALER, tags)
    assert [w.id for w in dealer.listed] == ["new"]
    assert dealer.has_profile("bob") and not dealer.has_profile("carol")


# -- scoring ---------------------------------------------------------------------------------------

def test_work_value_follows_the_formula():
    w = ScoringWeights()
    value = work_value(make("v", type=WorkType.VIDEO, score=5, featured=True, reuse=2), w)
    assert (value.type_points, value.featured_points, value.reuse_points) == (pytest.approx(4 * 5 / 3), 5.0, 4.0)
    assert work_value(make("a"), w).total == 3.0  # unscored: quality factor 1


def test_scores_are_split_among_contributors_and_ties_break_by_name():
    works = [make("pair", who=("alice", "bob"), type=WorkType.VIDEO), make("solo", who=("carol",), type=WorkType.PHOTO)]
    standings = rank_contributors(works, PEOPLE, ScoringWeights())
    assert [(s.contributor.id, round(s.total, 2), s.works) for s in standings] == [("carol", 2.0, 1), ("bob", 2.0, 1), ("alice", 2.0, 1)]  # 卡萝 < 小博 < 阿丽
    assert [s.contributor.name for s in standings] == sorted(s.contributor.name for s in standings)
    assert rank_contributors(works, PEOPLE, ScoringWeights(), year=2025) == []


def test_contributor_stats_and_records():
    works = [make("a", score=4, reuse=1, featured=True), make("b", score=5, date=dt.date(2025, 1, 1)), make("c", reuse=3, who=("bob",))]
    stats = contributor_stats(works[:2])
    assert (stats.featured, stats.times_reused, stats.average_score) == (1, 1, 4.5)
    records = find_records(works, PEOPLE)
    assert records.most_reused.id == "c" and records.best_rated.id == "b"
    assert records.most_prolific[WorkType.ARTICLE] == (PEOPLE["alice"], 2)


# -- related works --------------------------------------------------------------------------------

def test_related_works_share_words_and_labels_never_themselves():
    works = [make("l7-camp", body="第二排放平以后露营很舒服，帐篷天幕都能放下。", tags=("露营",), scenarios=("camping",)),
             make("l7-tent", body="第二排放平以后搭帐篷，天幕也够用。", tags=("露营",)),
             make("charging", body="冬季充电桩排队，续航打折。"),
             make("winter", body="冬季续航打折，充电桩要提前找。")]
    related = related_works(works, lambda t: t, limit=2)
    assert related["l7-camp"][0] == "l7-tent" and related["winter"][0] == "charging"
    assert all(wid not in found for wid, found in related.items())
    assert all(len(found) <= 2 for found in related.values())


# -- routes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("directory_urls, src, url, root", [
    (True, "index.md", "./", ""),
    (True, "works/x.md", "works/x/", "../../"),
    (True, "works/index.md", "works/", "../"),
    (True, "tags/x/page/2.md", "tags/x/page/2/", "../../../../"),
    (False, "index.md", "index.html", ""),
    (False, "works/x.md", "works/x.html", "../"),
    (False, "tags/x/page/2.md", "tags/x/page/2.html", "../../../"),
])
def test_routes_follow_mkdocs_url_rules(directory_urls, src, url, root):
    routes = Routes(directory_urls)
    assert routes.page_url(src) == url and routes.root(src) == root


def test_every_route_has_a_source_path_and_remote_links_stay_remote():
    routes = Routes()
    assert routes.source("tag", slug="x", page=3) == "tags/x/page/3.md"
    assert routes.url("dealer_meeting") == "dealer-meetings/"
    assert routes.link("https://example.com/a.jpg", "works/x.md") == "https://example.com/a.jpg"
    assert routes.link(routes.url("contributor", id="alice"), "works/x.md") == "../../contributors/alice/"

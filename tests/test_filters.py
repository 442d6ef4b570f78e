"""The list pages' filters follow one protocol (gmis.filters.ListFilter): read from the query
string for a user, refused with Japanese reasons, and given back as the query arguments that
read to the same filters again, which is what the links that keep them rely on."""

from __future__ import annotations

import pytest

from gmis.beds.operations import BedFilter
from gmis.facilities.operations import Search
from gmis.filters import FilterError, ListFilter
from gmis.models import Role
from gmis.reports.operations import ResponseFilter, StatusFilter
from gmis.sos.operations import QueueFilter

#: Each filter class with a query of every argument it reads, as a national user sends it.
QUERIES = [
    (Search, {"q": "中央 病院", "type": "hospital", "pref": "13", "area": "1304",
              "designation": "covid_inpatient"}),
    (BedFilter, {"pref": "13", "area": "1304", "q": "中央", "sort": "-vacant"}),
    (QueueFilter, {"status": "all", "from": "2026-12-01", "to": "2026-12-03",
                   "item": "n95_mask", "area": "1304", "pref": "13"}),
    (StatusFilter, {"pref": "13", "area": "1304", "type": "clinic"}),
    (ResponseFilter, {"pref": "13", "area": "1304", "type": "hospital", "from": "2026-11-01",
                      "to": "2026-11-30", "status": "returned", "late": "1"}),
]


@pytest.fixture
def national(make_user):
    return make_user(role=Role.national)


@pytest.mark.parametrize(("kind", "query"), QUERIES, ids=[kind.__name__ for kind, _ in QUERIES])
def test_the_arguments_a_filter_gives_back_read_to_the_same_filter(national, kind, query):
    filters = kind.from_args(query, national)
    assert isinstance(filters, ListFilter)
    assert filters.args() == query
    assert kind.from_args(filters.args(), national) == filters


@pytest.mark.parametrize("kind", [kind for kind, _ in QUERIES], ids=lambda kind: kind.__name__)
def test_no_arguments_are_the_page_s_defaults_and_give_back_none(national, kind):
    filters = kind.from_args({}, national)
    assert kind.from_args(filters.args(), national) == filters
    if kind is not ResponseFilter:  # a response list always names its days (today's)
        assert filters.args() == ({"status": "reviewing"} if kind is QueueFilter else {})


@pytest.mark.parametrize(("kind", "query", "messages"), [
    (Search, {"type": "castle", "designation": "x"},
     ["施設種別の指定が正しくありません。一覧から選んでください。",
      "指定の種類が正しくありません。一覧から選んでください。"]),
    (QueueFilter, {"from": "2026-12-03", "to": "2026-12-01"},
     ["対応日(終了)は対応日(開始)以降にしてください。"]),
    (ResponseFilter, {"from": "12/01"}, ["開始日は「2026-12-01」の形で入力してください。"]),
], ids=["facilities", "sos", "reports"])
def test_a_filter_that_cannot_be_used_is_refused_with_every_reason(national, kind, query,
                                                                    messages):
    with pytest.raises(FilterError) as refused:
        kind.from_args(query, national)
    assert refused.value.messages == messages
    assert str(refused.value) == "\n".join(messages)

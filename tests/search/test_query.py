"""parse_query: what the search box turns into, before any database is asked."""

import pytest

from forum.errors import DomainError
from forum.search.query import parse_query

RFA_NAMES = ["Radiofrequency ablation", "RFA", "rhizotomy", "RF neurotomy", "neuroablation"]
EVERY_RFA_NAME = {"radiofrequency ablation", "rfa", "rhizotomy", "rf neurotomy", "neuroablation"}


def _texts(query) -> list[list[str]]:
    return [[alternative.text for alternative in group] for group in query.groups]


@pytest.mark.parametrize(
    "text",
    [
        "rhizotomy",
        "RFA",
        "neuroablation",
        '"RF neurotomy"',
        "RF neurotomy",
        "radiofrequency ablation",
        "Radiofrequency   Ablation",
    ],
)
def test_any_name_of_a_treatment_searches_all_its_names(text):
    """Typing one name of a treatment, quoted or not, searches every name of it."""
    (group,) = parse_query(text, [RFA_NAMES]).groups

    assert {alternative.text for alternative in group} == EVERY_RFA_NAME


def test_the_other_words_of_a_query_stay_as_typed():
    """ "rhizotomy recovery" needs one of the treatment's names and the word recovery."""
    query = parse_query("rhizotomy recovery", [RFA_NAMES])

    assert [set(group) for group in _texts(query)] == [EVERY_RFA_NAME, {"recovery"}]
    assert query.expansions == [query.groups[0]]


def test_a_quoted_phrase_is_expanded_only_when_it_is_a_name_as_a_whole():
    """ "my rhizotomy" in quotes stays that phrase; unquoted, rhizotomy grows its names
    (and "my", too common to search for, is left out)."""
    assert _texts(parse_query('"my rhizotomy"', [RFA_NAMES])) == [["my rhizotomy"]]
    assert [set(group) for group in _texts(parse_query("my rhizotomy", [RFA_NAMES]))] == [
        EVERY_RFA_NAME
    ]


def test_common_words_are_left_out_unless_quoted():
    """ "the flare and the burning" needs flare and burning, on every backend alike; the
    same words in quotes stay a phrase."""
    assert _texts(parse_query("the flare and the burning", [])) == [["flare"], ["burning"]]
    assert _texts(parse_query('"the flare"', [])) == [["the flare"]]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("RFA*", [["rfa"]]),
        ('"RFA', [["rfa"]]),
        ("title:RFA", [["title"], ["rfa"]]),
        ("(RFA)", [["rfa"]]),
        ("-rhizotomy^", [["rhizotomy"]]),
        ('"lumbar  RFA"', [["lumbar rfa"]]),
    ],
)
def test_only_letters_and_digits_reach_the_search(text, words):
    """Operators and stray quotes are dropped; the words are what is searched."""
    assert _texts(parse_query(text, [])) == words


@pytest.mark.parametrize("text", [None, "", "  \t ", "*", '""', "( ) - : ^"])
def test_nothing_searchable_is_refused(text):
    """A query with nothing to search for is refused with a message for the q field."""
    with pytest.raises(DomainError) as refused:
        parse_query(text, [])

    assert refused.value.field == "q"
    assert refused.value.message

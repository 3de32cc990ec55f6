"""Crisis phrases: the maintained list, and what matches it and what does not."""

import pytest

from forum.safety.services import PHRASES_FILE, load_phrases, matches_crisis_phrase


@pytest.mark.parametrize(
    "text",
    [
        "Some days I want to kill myself.",
        "KILL MYSELF",
        "I just want to end it all",
        "everyone would be better off dead... I mean me",
        "There is no reason to live like this",
        "I want  to\n die",  # extra spaces and a line break between words
        "thinking I could overdose on my tramadol",
        "I have thought about ending my life",
        "I might take my own life",
        "Suicide has crossed my mind.",
        "I feel suicidal tonight",
        "I don't want to be here anymore",
        "I don’t want to be here anymore",  # a curly apostrophe
        "I dont want to be here any more",  # no apostrophe at all
        "(end my life)",
    ],
)
def test_crisis_phrases_match(text):
    assert matches_crisis_phrase(text)


@pytest.mark.parametrize(
    "text",
    [
        "The killer pain in my lower back eased after the block.",
        "My dentist said it was a dead nerve.",
        "The pain killers stopped working.",
        "Is the diet worth it? I want to diet less strictly.",
        "It's better off with physio than surgery.",
        "This flare will end; it always does.",
        "Thinking of my life after the operation.",
        "overdosed? no, I checked the leaflet",  # not "overdose on"
        "",
        None,
    ],
)
def test_unrelated_words_do_not_match(text):
    assert not matches_crisis_phrase(text)


def test_phrase_file_has_the_agreed_phrases_and_skips_comments():
    phrases = load_phrases()
    for phrase in (
        "kill myself",
        "end it all",
        "better off dead",
        "no reason to live",
        "want to die",
        "overdose on",
        "end my life",
        "take my own life",
        "suicide",
        "don't want to be here anymore",
    ):
        assert phrase in phrases
    assert not any(p.startswith("#") or not p.strip() for p in phrases)
    assert PHRASES_FILE.read_text(encoding="utf-8").lstrip().startswith("#")


def test_a_phrase_file_is_read_one_phrase_a_line(tmp_path):
    path = tmp_path / "phrases.txt"
    path.write_text("# comment\n\n  spaced phrase  \nother\n", encoding="utf-8")
    assert load_phrases(path) == ["spaced phrase", "other"]

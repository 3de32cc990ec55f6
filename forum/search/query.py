"""What a member typed into the search box, made safe and expanded with treatment names.

A query is a list of groups that must all match; a group matches when any of its
alternatives (a word or a phrase) does. "rhizotomy pain" becomes
[[rhizotomy, RFA, radiofrequency ablation, ...], [pain]]: the board aliases in
boards.toml act as synonyms. Nothing the member types reaches a search engine's query
syntax: words are reduced to letters and digits, then quoted by the backend."""

import re
from dataclasses import dataclass

from forum.errors import DomainError

QUERY_MAX = 200
TERMS_MAX = 10

_PHRASE_OR_WORD = re.compile(r'"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+")
# Words too common to search for on their own (and the search engines' operator words):
# left out of unquoted queries on both backends, so SQLite and PostgreSQL agree.
STOP_WORDS = frozenset(
    "a an and are as at be but by for from had has have he her his i if in into is it its "
    "me my near no not of on or our she so such that the their them then there these they "
    "this to was we were will with you your".split()
)


@dataclass(frozen=True)
class Alternative:
    words: tuple[str, ...]  # lower case; several words are a phrase

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class SearchQuery:
    groups: tuple[tuple[Alternative, ...], ...]

    @property
    def expansions(self) -> list[tuple[Alternative, ...]]:
        """The groups that grew synonyms, to tell the member what else was searched."""
        return [group for group in self.groups if len(group) > 1]

    @property
    def terms(self) -> list[str]:
        """Every word that may match, for marking them in results."""
        return sorted({word for group in self.groups for alt in group for word in alt.words})


def parse_query(text: str | None, synonyms: list[list[str]]) -> SearchQuery:
    """Parse the search box: quoted phrases, words (all must match), board aliases as
    synonyms. Raises DomainError with a friendly message for what cannot be searched."""
    text = (text or "").strip()
    if not text:
        raise DomainError("Type a word or two to search for.", "q")
    if len(text) > QUERY_MAX:
        raise DomainError(f"Search for at most {QUERY_MAX} characters, please.", "q")
    runs: list[tuple[tuple[str, ...], bool]] = []  # (words, quoted)
    for phrase, word in _PHRASE_OR_WORD.findall(text):
        words = tuple(w.lower() for w in _WORD.findall(phrase if phrase else word))
        if not words:
            continue
        if not phrase and runs and not runs[-1][1]:  # unquoted words run on together
            runs[-1] = (runs[-1][0] + words, False)
        else:
            runs.append((words, bool(phrase)))
    if not runs:
        raise DomainError(
            "Search for words or numbers: punctuation and symbols on their own find nothing.",
            "q",
        )
    if sum(len(words) for words, _ in runs) > TERMS_MAX:
        raise DomainError(f"Use at most {TERMS_MAX} words, please.", "q")
    groups = _expand(runs, _synonym_table(synonyms))
    if not groups:
        raise DomainError("Those words are too common to search for: add a more telling one.", "q")
    return SearchQuery(tuple(groups))


def _synonym_table(synonyms: list[list[str]]) -> dict[tuple[str, ...], set[tuple[str, ...]]]:
    """Each name (as a word tuple) -> every name of the treatments it names."""
    table: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for names in synonyms:
        forms = {tuple(w.lower() for w in _WORD.findall(name)) for name in names} - {()}
        for form in forms:
            table.setdefault(form, set()).update(forms)
    return table


def _expand(runs, table) -> list[tuple[Alternative, ...]]:
    """Greedily replace the longest stretch of words that names a treatment with all its
    names, and leave out common words; a quoted phrase is kept whole, and expanded only
    when it is a name as a whole."""
    longest = max((len(form) for form in table), default=1)
    groups = []
    for words, quoted in runs:
        if quoted:
            groups.append(_group(words, table))
            continue
        start = 0
        while start < len(words):
            for size in range(min(longest, len(words) - start), 0, -1):
                stretch = words[start : start + size]
                if stretch in table or size == 1:
                    if stretch in table or stretch[0] not in STOP_WORDS:
                        groups.append(_group(stretch, table))
                    start += size
                    break
    return groups


def _group(words: tuple[str, ...], table) -> tuple[Alternative, ...]:
    forms = sorted(table.get(words, set()) | {words})
    return tuple(Alternative(form) for form in forms)

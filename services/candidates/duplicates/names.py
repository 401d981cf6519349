# Arabic letters are what this module is about, not look-alikes of Latin ones.
# ruff: noqa: RUF001
"""Names compared across spellings and scripts: a consonant skeleton of Latin and Arabic names.

The same Maghrebi or Arabic name is written many ways: Youssef, Yousef, Yusuf, يوسف; Mohamed,
Mohammed, Muhammad, محمد; El Amrani, Al-Amrani, العمراني. What the spellings keep in common
is their consonants, so a name is reduced to its *skeleton*:

- Latin: casefolded, accents stripped (NFKD); the digraphs of French and English
  transliteration folded to one sound (dj → j, kh → k, gh → g, ch and sh → one class, th → t,
  dh → d, ph → f, a soft c → s, q and a hard c → k, v → f, p → b); a word-final ``h`` dropped
  (Fatimah, Fatima).
- Arabic: diacritics (tashkeel) and tatweel stripped, the alef forms unified, ta marbuta read
  as the final vowel it is, alif maqsura as ya; each consonant then written as its Latin class
  (ج → j, خ → k, ش → the ch/sh class, ص → s, ط → t, ق → k, …).
- Both: the article (``el``, ``al``, ``ال``) dropped, ``abdel``/``abdul`` read as ``abd``;
  vowels and the half-vowels y/w/ي/و, alef, hamza and ayn dropped (they are where spellings
  differ: ou/u/w, y/i, e/a); the words of a name joined; doubled letters collapsed.

The skeleton is lossy on purpose: it says two names *may* be one person's, which is never
decided here (see :mod:`matching`).
"""

import re
import unicodedata
from functools import lru_cache

# Arabic: what is stripped, and how each letter is written in the Latin classes below.
_TASHKEEL = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat, shadda, sukun, tatweel
_ALEFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_ARABIC_LETTERS = {
    "ب": "b", "پ": "b", "ت": "t", "ث": "t", "ج": "j", "ح": "h", "خ": "k", "د": "d", "ذ": "d",
    "ر": "r", "ز": "z", "س": "s", "ش": "x", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "غ": "g",
    "ف": "f", "ڤ": "f", "ق": "k", "ك": "k", "ک": "k", "گ": "g", "ل": "l", "م": "m", "ن": "n",
    "ه": "h",
    # Vowels, half-vowels, alef, hamza and ayn: where spellings differ, so they are dropped.
    "ا": "a", "و": "u", "ي": "i", "ء": "a", "ئ": "a", "ؤ": "a", "ع": "a",
}
_ARABIC_ARTICLE = "ال"
_LATIN_ARTICLES = frozenset({"el", "al", "l", "ul"})
# Latin transliteration, folded in this order (a digraph before its letters). ``x`` is the
# ch/sh class (ش): a Latin x is first written out as ks.
_LATIN_FOLDS = (
    ("x", "ks"), ("dj", "j"), ("kh", "k"), ("gh", "g"), ("sch", "x"), ("ch", "x"), ("sh", "x"),
    ("th", "t"), ("dh", "d"), ("ph", "f"), ("ou", "u"),
)
_SOFT_C = re.compile("c(?=[eiy])")
_LATIN_LETTERS = str.maketrans({"c": "k", "q": "k", "v": "f", "p": "b"})
_ABD = re.compile("^abd(?:el|al|ul|oul|ou|u|e|a)(?=.)")
_VOWELS = re.compile("[aeiouyw]")
_NOT_LETTER = re.compile(r"[^\w]|[\d_]")
_DOUBLES = re.compile(r"(.)\1+")


def fold_latin(text: str) -> str:
    """``text`` casefolded with its accents stripped (é → e, ç → c): its spelling compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold_arabic(text: str) -> str:
    """Arabic ``text`` without diacritics and tatweel, its alef forms unified, ta marbuta as
    ha and alif maqsura as ya."""
    return _TASHKEEL.sub("", text).translate(_ALEFS)


def _words(text: str) -> list[str]:
    return [word for word in _NOT_LETTER.sub(" ", text).split() if word]


def _arabic_word(word: str) -> str:
    if word.startswith(_ARABIC_ARTICLE) and len(word) > 3:
        word = word[len(_ARABIC_ARTICLE):]
    if word.endswith("ه") and len(word) > 2:  # ta marbuta (folded to ha), or a final ha
        word = word[:-1] + "a"
    return "".join(_ARABIC_LETTERS.get(char, "") for char in word)


def _latin_word(word: str) -> str:
    word = _ABD.sub("abd", word)
    for digraph, folded in _LATIN_FOLDS:
        word = word.replace(digraph, folded)
    word = _SOFT_C.sub("s", word).translate(_LATIN_LETTERS)
    if word.endswith("h") and len(word) > 2:
        word = word[:-1]
    return word


def _is_arabic(word: str) -> bool:
    return any("\u0600" <= char <= "\u06ff" for char in word)


@lru_cache(maxsize=1 << 16)  # names repeat (Mohamed, Fatima): an import asks for each often
def skeleton(name: str) -> str:
    """The consonant skeleton of a name in Latin or Arabic script (see the module's notes)."""
    letters = []
    for word in _words(fold_arabic(fold_latin(name))):
        if _is_arabic(word):
            letters.append(_arabic_word(word))
        elif word not in _LATIN_ARTICLES:
            letters.append(_latin_word(word))
    return _DOUBLES.sub(r"\1", _VOWELS.sub("", "".join(letters)))

"""corpus.py - the training text: the King James Version of the Bible as shipped by Debian's
bible-kjv-text package (the text is public domain; the package is GPL-2+), read through the
package's own `bible` program (package bible-kjv).

Units are chapters. A chapter goes to the evaluation split when its index (in canonical order,
0-based) is 0 mod 20, to the calibration split when it is 10 mod 20, else to training, so the
three splits share no text. Each chapter is the verses' text (verse numbers dropped) joined by
newlines, encoded as UTF-8 bytes (the text is pure ASCII, so one byte = one token).

Classification label of a chapter (4 classes, by the part of the canon its book belongs to):
  0 law and history (Genesis..Esther), 1 wisdom and prophets (Job..Malachi),
  2 gospels and Acts (Matthew..Acts), 3 epistles and Revelation (Romans..Revelation).
"""
import os
import re
import shutil
import subprocess

BIBLE_BIN = "/usr/bin/bible"
CLASS_NAMES = ["law+history", "wisdom+prophets", "gospels+acts", "epistles+revelation"]


def book_class(book_index):
    """book_index: 0-based canonical position (Genesis = 0 .. Revelation = 65)."""
    if book_index < 17:
        return 0
    if book_index < 39:
        return 1
    if book_index < 44:
        return 2
    return 3


def read_chapters():
    """[(book_index, chapter_text)] in canonical order."""
    if not os.path.exists(BIBLE_BIN):
        raise SystemExit("corpus: %s missing: apt-get install bible-kjv" % BIBLE_BIN)
    env = dict(os.environ, COLUMNS="100000")
    raw = subprocess.run([BIBLE_BIN, "-l100000", "Gen1:1-Rev22:21"], check=True,
                         capture_output=True, env=env).stdout.decode("ascii")
    chapters, books = [], []
    cur, verses = None, []
    head = re.compile(r"^([1-3]? ?[A-Z][A-Za-z ]+) (\d+)$")
    verse = re.compile(r"^\s*(\d+) (.*)$")
    for line in raw.split("\n"):
        m = head.match(line.strip())
        if m and not line.startswith(" "):
            if cur is not None and verses:
                chapters.append((cur, "\n".join(verses)))
            book = m.group(1)
            if not books or books[-1] != book:
                books.append(book)
            cur, verses = len(books) - 1, []
            continue
        v = verse.match(line)
        if v:
            verses.append(v.group(2).strip())
        elif line.strip() and verses:
            verses[-1] += " " + line.strip()
    if cur is not None and verses:
        chapters.append((cur, "\n".join(verses)))
    if len(books) != 66:
        raise SystemExit("corpus: expected 66 books, parsed %d" % len(books))
    return chapters


def split_of(ch_index):
    r = ch_index % 20
    return "eval" if r == 0 else "calib" if r == 10 else "train"


def splits():
    """{"train"|"eval"|"calib": [(label, bytes)]}"""
    out = {"train": [], "eval": [], "calib": []}
    for i, (b, text) in enumerate(read_chapters()):
        out[split_of(i)].append((book_class(b), text.encode("ascii") + b"\n"))
    return out

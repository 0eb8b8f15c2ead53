#!/usr/bin/env python3
"""English text from Debian packages, one passage per line, split into train / held-out by document.

Sources (install with `apt-get install dict-gcide dict-wn dict-foldoc dict-jargon fortunes`):
  /usr/share/dictd/{gcide,wn,foldoc,jargon}.{index,dict.dz}   dictd databases (dictzip is gzip-compatible)
  /usr/share/games/fortunes/*                                  fortune files, records separated by '%' lines

A *document* is one dictionary entry (one distinct offset in a dictd index: synonyms pointing at the same
definition are read once) or one fortune record. Every document goes wholly into train or wholly into held-out,
chosen by a hash of (source, document id), so the split does not depend on order, on the other sources or on
--heldout-share rounding. A document longer than --max-words is cut into passages of at most --max-words words at
sentence ends where it can be (so that `sae4j activations --max-tokens 128` truncates little); each passage is
one line. Lines of each split are shuffled with a fixed seed, so any prefix of a file is a uniform sample of it.

What is kept and what is stripped (see src/docs/dead-codes-real.md):
  all sources: text is NFC-normalised, whitespace runs become one space, lines are joined;
  dictd: the database's own '00-database-*' entries are skipped;
  gcide: pronunciation/syllabification between backslashes (\\Ab`di*ca"tion\\) and every [square-bracketed]
         segment (etymology, source tags such as [1913 Webster], usage labels such as [R.]) are removed;
         headword, part of speech, definitions, quotations and their attributions are kept;
  wn:    [syn: ...] / [ant: ...] lists are removed, {braces} around cross-references are dropped (the words kept),
         sense markers such as 'n 1:' and '2:' are removed; glosses and quoted examples are kept;
  foldoc: <category> tags and (YYYY-MM-DD) dates are removed, {braces} dropped (words kept);
  jargon: {braces} dropped (words kept);
  fortunes: all files except the index files (*.dat) and the *.u8 links; overstrike sequences (x BACKSPACE y)
         keep the last character; records in which letters are under half of the non-space characters
         (ASCII art) are skipped.

Usage: debian_corpus.py --out DIR [--heldout-share 0.05] [--max-words 80] [--seed 0]
Writes DIR/train.txt, DIR/heldout.txt and DIR/corpus.json (counts per source and split, the options).
"""
import argparse
import gzip
import hashlib
import json
import os
import random
import re
import sys
import unicodedata

DICTD = "/usr/share/dictd"
FORTUNES = "/usr/share/games/fortunes"
DICTS = ("gcide", "wn", "foldoc", "jargon")
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def b64_number(s):
    n = 0
    for c in s:
        n = n * 64 + B64.index(c)
    return n


def dictd_entries(name):
    """(offset, text) of each distinct definition, in index order."""
    index = os.path.join(DICTD, name + ".index")
    data_path = os.path.join(DICTD, name + ".dict.dz")
    for path in (index, data_path):
        if not os.path.exists(path):
            sys.exit(f"debian_corpus: {path} is missing; expected the Debian package dict-{name} "
                     f"(apt-get install dict-{name})")
    with gzip.open(data_path, "rb") as f:
        data = f.read()
    seen = set()
    with open(index, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                sys.exit(f"debian_corpus: {index} line {lineno}: expected 'headword<TAB>offset<TAB>length'")
            if parts[0].startswith("00-database") or parts[0].startswith("00database"):
                continue
            off, length = b64_number(parts[1]), b64_number(parts[2])
            if off in seen:
                continue
            seen.add(off)
            yield off, data[off:off + length].decode("utf-8", errors="replace")


BRACKETS = re.compile(r"\[[^\[\]]*\]")
BRACES = re.compile(r"[{}]")
SPACES = re.compile(r"\s+")


def strip_nested_brackets(text):
    prev = None
    while prev != text:
        prev, text = text, BRACKETS.sub(" ", text)
    return text


def clean_gcide(text):
    text = re.sub(r"\\[^\\\n]*\\", "", text)  # pronunciation between backslashes
    return strip_nested_brackets(text)


def clean_wn(text):
    text = re.sub(r"\[(syn|ant|also):[^\]]*\]", " ", text, flags=re.S)
    text = re.sub(r"(?m)^\s*(n|v|adj|adv|s)\s+\d+:\s*", " ", text)
    text = re.sub(r"(?m)^\s*\d+:\s*", " ", text)
    return BRACES.sub("", text)


def clean_foldoc(text):
    text = re.sub(r"<[^<>\n]*>", " ", text)
    text = re.sub(r"\(\d{4}-\d{2}-\d{2}\)", " ", text)
    return BRACES.sub("", text)


def clean_jargon(text):
    return BRACES.sub("", text)


CLEANERS = {"gcide": clean_gcide, "wn": clean_wn, "foldoc": clean_foldoc, "jargon": clean_jargon}


def normalise(text):
    return SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fortune_records():
    if not os.path.isdir(FORTUNES):
        sys.exit(f"debian_corpus: {FORTUNES} is missing; expected the Debian package fortunes")
    for name in sorted(os.listdir(FORTUNES)):
        path = os.path.join(FORTUNES, name)
        if name.endswith(".dat") or name.endswith(".u8") or os.path.islink(path) or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        text = re.sub(r".\x08", "", text)  # overstrike: keep what is printed last
        for i, record in enumerate(re.split(r"(?m)^%\s*$", text)):
            yield f"{name}:{i}", record


def mostly_letters(text):
    chars = [c for c in text if not c.isspace()]
    return chars and sum(c.isalpha() for c in chars) * 2 >= len(chars)


SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


def passages(text, max_words):
    """Cut at sentence ends into pieces of at most max_words words; a longer sentence is cut at max_words."""
    out, current = [], []
    for sentence in SENTENCE_END.split(text):
        words = sentence.split()
        while len(words) > max_words:
            if current:
                out.append(" ".join(current))
                current = []
            out.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if len(current) + len(words) > max_words:
            out.append(" ".join(current))
            current = []
        current.extend(words)
    if current:
        out.append(" ".join(current))
    return out


def is_heldout(source, doc_id, share):
    h = hashlib.sha256(f"{source}\t{doc_id}".encode()).digest()
    return int.from_bytes(h[:8], "big") < share * 2 ** 64


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--heldout-share", type=float, default=0.05)
    p.add_argument("--max-words", type=int, default=80)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if not 0 < args.heldout_share < 1:
        sys.exit(f"debian_corpus: --heldout-share {args.heldout_share}: expected a share in (0, 1)")
    if args.max_words < 8:
        sys.exit(f"debian_corpus: --max-words {args.max_words}: expected at least 8")
    os.makedirs(args.out, exist_ok=True)
    lines = {"train": [], "heldout": []}
    counts = {}

    def add(source, doc_id, text):
        text = normalise(text)
        if not text:
            return
        split = "heldout" if is_heldout(source, doc_id, args.heldout_share) else "train"
        pieces = passages(text, args.max_words)
        lines[split].extend(pieces)
        c = counts.setdefault(source, {s: {"documents": 0, "lines": 0, "words": 0} for s in lines})[split]
        c["documents"] += 1
        c["lines"] += len(pieces)
        c["words"] += sum(len(x.split()) for x in pieces)

    for name in DICTS:
        for off, text in dictd_entries(name):
            add(name, off, CLEANERS[name](text))
    for doc_id, record in fortune_records():
        if mostly_letters(record):
            add("fortunes", doc_id, record)
    rng = random.Random(args.seed)
    for split, ls in lines.items():
        rng.shuffle(ls)
        tmp = os.path.join(args.out, f".{split}.txt.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for line in ls:
                f.write(line + "\n")
        os.replace(tmp, os.path.join(args.out, f"{split}.txt"))
    summary = {"options": vars(args), "sources": counts,
               "total": {s: {k: sum(c[s][k] for c in counts.values()) for k in ("documents", "lines", "words")}
                         for s in lines}}
    with open(os.path.join(args.out, "corpus.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(json.dumps(summary["total"]))


if __name__ == "__main__":
    main()

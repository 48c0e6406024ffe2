#!/usr/bin/env python3
"""Writes the character lists the bundled font is cut down to (build.rs reads them).

- tongyong-guifan-8105.txt: the 8,105 characters of the 通用规范汉字表 (2013), taken from the
  Unihan database's kTGH field (Unicode 15, Debian package `unicode-data`, file
  Unihan_OtherMappings.txt.bz2), in the table's order.
- gb2312.txt: every character of GB 2312 (hanzi, punctuation, full-width forms, Greek,
  Cyrillic, kana, box drawing), read through Python's gb2312 codec.

Usage: scripts/font-chars.py /usr/share/unicode/Unihan_OtherMappings.txt.bz2
"""
import bz2
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "assets" / "font-subset"


def wrap(chars, width=64):
    return "".join(chars[i:i + width] + "\n" for i in range(0, len(chars), width))


def main(unihan):
    table = []
    with bz2.open(unihan, "rt", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[1] == "kTGH":
                for value in parts[2].split():
                    _, number = value.split(":")
                    table.append((int(number), chr(int(parts[0][2:], 16))))
    table.sort()
    assert len(table) == 8105, len(table)
    (OUT / "tongyong-guifan-8105.txt").write_text(wrap("".join(c for _, c in table)), encoding="utf-8")

    gb = []
    for first in range(0xA1, 0xF8):
        for second in range(0xA1, 0xFF):
            try:
                gb.append(bytes([first, second]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    (OUT / "gb2312.txt").write_text(wrap("".join(gb)), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])

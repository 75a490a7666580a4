"""Rebuild the fonts shipped in src/actkit/fonts/ from Debian's Noto packages.

    apt-get install fonts-noto-core fonts-noto-cjk
    python tools/make_fonts.py

Noto is under the SIL Open Font License 1.1 (OFL.txt beside the fonts), which allows
subsetting and redistribution. The Latin/Greek/Cyrillic and script fonts are copied as
they are; the CJK font is the Simplified Chinese face of the Noto Sans CJK collection,
subset to the characters of the common legacy character sets (see ``cjk_characters``)
to keep the wheel small.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

CORE = Path("/usr/share/fonts/truetype/noto")
CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
TARGET = Path(__file__).resolve().parent.parent / "src" / "actkit" / "fonts"
COPIED = [
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
    "NotoSans-Italic.ttf",
    "NotoSans-BoldItalic.ttf",
    "NotoNaskhArabic-Regular.ttf",
    "NotoNaskhArabic-Bold.ttf",
    "NotoSansHebrew-Regular.ttf",
    "NotoSansBengali-Regular.ttf",
    "NotoSansDevanagari-Regular.ttf",
    "NotoSansGujarati-Regular.ttf",
    "NotoSansGurmukhi-Regular.ttf",
    "NotoSansTamil-Regular.ttf",
]


def _encoded(codepoint: int, encoding: str) -> bytes | None:
    try:
        return chr(codepoint).encode(encoding)
    except UnicodeEncodeError:
        return None


def cjk_characters() -> list[int]:
    """GB2312, JIS X 0208, Big5's frequent level 1 and KS X 1001's 2,350 hangul: about
    14,000 characters, nearly every name and everyday word in Chinese, Japanese and Korean."""
    wanted = set(range(0x3000, 0x3100)) | set(range(0xFF00, 0xFFF0))  # punctuation, kana
    for codepoint in range(0x2E80, 0xFFFF):
        big5 = _encoded(codepoint, "big5")
        korean = _encoded(codepoint, "euc_kr")
        if (
            _encoded(codepoint, "gb2312")
            or _encoded(codepoint, "shift_jis")
            or (big5 and len(big5) == 2 and 0xA140 <= int.from_bytes(big5, "big") <= 0xC67E)
            or (korean and len(korean) == 2)  # longer ones are composed jamo sequences
        ):
            wanted.add(codepoint)
    return sorted(wanted)


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        shutil.copyfile(CORE / name, TARGET / name)
    face = TTCollection(str(CJK)).fonts[2]  # 0 JP, 1 KR, 2 SC, 3 TC, 4 HK
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=cjk_characters())
    subsetter.subset(face)
    face.save(str(TARGET / "NotoSansCJKsc-Regular-subset.otf"))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Build NewsSymbols-Regular.ttf: one monochrome TrueType (glyf) fallback font
for symbols, punctuation and emoji, made by subsetting and merging OFL-1.1 Noto
fonts:

  NS = Noto Sans Regular          (Debian fonts-noto-core 20201225-1)
  S2 = Noto Sans Symbols2 Regular (Debian fonts-noto-core 20201225-1)
  M  = Noto Sans Math Regular     (Debian fonts-noto-core 20201225-1)
  E  = Noto Emoji, static wght=400 instance of NotoEmoji[wght].ttf
       (PyPI manimgx-fonts 2026.9.26.post1)

Which source draws each code point:
  * code points with Emoji_Presentation=Yes or Emoji_Modifier_Base=Yes
    (emoji-data.txt) come from E;
  * otherwise the first source in the block's priority list that has it;
  * cmap format 14 sequences are added so that X+U+FE0F selects the emoji
    glyph and X+U+FE0E the text glyph wherever both designs are present.

Usage:
  build_newssymbols.py --ns NotoSans-Regular.ttf --s2 NotoSansSymbols2-Regular.ttf \
      --math NotoSansMath-Regular.ttf --emoji NotoEmoji-Regular-static.ttf \
      --emoji-data emoji-data.txt --emoji-vs emoji-variation-sequences.txt \
      -o NewsSymbols-Regular.ttf [--lite --emoji-test emoji-test.txt]
"""
import argparse
import os
import re
import shutil
import sys
import tempfile

from fontTools import subset
from fontTools.merge import Merger, Options as MergeOptions
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.scaleUpem import scale_upem
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

# (name, ranges, priority of sources)
TEXT = ["NS", "S2", "M", "E"]
MATH = ["M", "S2", "NS", "E"]
SYM = ["S2", "M", "NS", "E"]
PICT = ["E", "S2"]
BLOCKS = [
    ("Latin-1 punctuation and symbols", [(0x0020, 0x0020), (0x00A0, 0x00BF), (0x00D7, 0x00D7), (0x00F7, 0x00F7)], TEXT),
    ("General Punctuation", [(0x2000, 0x206F)], TEXT),
    ("Currency Symbols", [(0x20A0, 0x20CF)], TEXT),
    ("Letterlike Symbols", [(0x2100, 0x214F)], TEXT),
    ("Arrows", [(0x2190, 0x21FF)], MATH),
    ("Mathematical Operators", [(0x2200, 0x22FF)], MATH),
    ("Miscellaneous Technical", [(0x2300, 0x23FF)], SYM),
    ("Geometric Shapes", [(0x25A0, 0x25FF)], SYM),
    ("Miscellaneous Symbols", [(0x2600, 0x26FF)], SYM),
    ("Dingbats", [(0x2700, 0x27BF)], SYM),
    ("Miscellaneous Symbols and Arrows", [(0x2B00, 0x2BFF)], SYM),
    ("Miscellaneous Symbols and Pictographs", [(0x1F300, 0x1F5FF)], PICT),
    ("Emoticons", [(0x1F600, 0x1F64F)], PICT),
    ("Transport and Map Symbols", [(0x1F680, 0x1F6FF)], PICT),
    ("Supplemental Symbols and Pictographs", [(0x1F900, 0x1F9FF)], PICT),
]
# always taken from E when E has them (needed by emoji sequences / harmless)
# from E whenever E has them: ZWJ and variation selectors (E's GSUB ligatures need E's own
# glyphs for them), the regional indicators that E's ligatures turn into flags, and the tag
# characters of the England/Scotland/Wales flag sequences
EXTRA_FROM_E = [0x200D, 0xFE0E, 0xFE0F] + list(range(0x1F1E6, 0x1F200)) + list(range(0xE0020, 0xE0080))
TEXT_SOURCES = ("NS", "S2", "M")
PREFIX = {"NS": "ns.", "S2": "s2.", "M": "m.", "E": "e."}
ORDER = ["S2", "M", "NS", "E"]  # merge order (first font gives .notdef)

NAME = "News Symbols"

# --lite: emoji limited to these emoji-test.txt subgroups (plus the whole Emoticons block and
# all flags), no ZWJ-sequence ligatures, Noto Sans Symbols2's text-style pictographs
# (U+1F300..) left out, and only the everyday part of Mathematical Operators kept.
LITE_SUBGROUPS = {
    "face-smiling", "face-affection", "face-tongue", "face-hand", "face-neutral-skeptical",
    "face-sleepy", "face-unwell", "face-hat", "face-glasses", "face-concerned", "face-negative",
    "heart", "emotion",
    "hand-fingers-open", "hand-fingers-partial", "hand-single-finger", "hand-fingers-closed",
    "hands", "hand-prop", "skin-tone", "person",
    "place-map", "place-religious", "transport-air", "sky & weather",
    "event", "award-medal",
    "sound", "phone", "computer", "light & video", "book-paper", "money", "mail", "writing",
    "office", "lock", "medical",
    "transport-sign", "warning", "arrow", "religion", "av-symbol", "gender", "math",
    "punctuation", "currency", "other-symbol", "geometric", "flag",
}
# and these single emoji from subgroups left out above
LITE_EXTRA = {0x1F6A8, 0x1F54A, 0x1F339, 0x1F3DB, 0x26BD}  # police light, dove, rose, classical building, football
LITE_MATH = [(0x2200, 0x222B), (0x2234, 0x223C), (0x2243, 0x2248), (0x2260, 0x226B),
             (0x2282, 0x2287), (0x2295, 0x2299), (0x22A4, 0x22A5), (0x22C4, 0x22C6), (0x22EE, 0x22EF)]


def parse_ranges(path, prop):
    out = set()
    for line in open(path, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        cps, p = [x.strip() for x in line.split(";")[:2]]
        if p != prop:
            continue
        a, _, b = cps.partition("..")
        out.update(range(int(a, 16), int(b or a, 16) + 1))
    return out


def parse_vs(path):
    fe0f, fe0e = set(), set()
    for line in open(path, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        seq = line.split(";")[0].split()
        base, vs = int(seq[0], 16), int(seq[1], 16)
        (fe0f if vs == 0xFE0F else fe0e).add(base)
    return fe0f, fe0e


def parse_subgroups(path, wanted):
    """Single code points (VS16 ignored) of the fully-qualified / component emoji in `wanted`."""
    out, sub = set(), None
    for line in open(path, encoding="utf-8"):
        if line.startswith("# subgroup:"):
            sub = line.split(":", 1)[1].strip()
            continue
        if line.startswith("#") or ";" not in line or sub not in wanted:
            continue
        cps = [int(x, 16) for x in line.split(";")[0].split() if x != "FE0F"]
        if len(cps) == 1:
            out.add(cps[0])
    return out


def subset_to(path, unicodes, out):
    opts = subset.Options()
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.name_legacy = True
    opts.notdef_outline = True
    opts.hinting = False          # hinting tables of different fonts cannot be merged
    opts.glyph_names = True       # keep names: we prefix them before merging
    opts.drop_tables += ["MATH", "vhea", "vmtx", "STAT", "DSIG", "gasp", "meta", "kern"]
    f = TTFont(path)
    s = subset.Subsetter(opts)
    s.populate(unicodes=unicodes)
    s.subset(f)
    f.save(out)


def prefix_glyphs(path, prefix, out, upem=None):
    f = TTFont(path)  # tables are decompiled lazily, so renaming here is safe
    order = f.getGlyphOrder()
    new = [prefix + (g.lstrip(".") if g == ".notdef" else g) for g in order]
    f.setGlyphOrder(new)
    for tag in list(f.keys()):
        f[tag]  # decompile every table with the new names
    f["post"].formatType = 2.0
    f["post"].extraNames = []
    f["post"].mapping = {}
    if upem and f["head"].unitsPerEm != upem:
        scale_upem(f, upem)
    f.save(out)


def sort_layout(font):
    """Script, language and feature records in tag order, as the spec (and OTS) want."""
    for tag in ("GSUB", "GPOS"):
        if tag not in font:
            continue
        t = font[tag].table
        if not t.ScriptList or not t.FeatureList:
            continue
        recs = t.FeatureList.FeatureRecord
        order = sorted(range(len(recs)), key=lambda i: (recs[i].FeatureTag, i))
        remap = {old: new for new, old in enumerate(order)}
        t.FeatureList.FeatureRecord = [recs[i] for i in order]
        t.FeatureList.FeatureCount = len(recs)
        t.ScriptList.ScriptRecord.sort(key=lambda r: r.ScriptTag)
        for sr in t.ScriptList.ScriptRecord:
            langs = ([sr.Script.DefaultLangSys] if sr.Script.DefaultLangSys else []) + \
                    [lr.LangSys for lr in sr.Script.LangSysRecord]
            sr.Script.LangSysRecord.sort(key=lambda r: r.LangSysTag)
            for ls in langs:
                ls.FeatureIndex = sorted(remap[i] for i in ls.FeatureIndex)
                ls.FeatureCount = len(ls.FeatureIndex)
                if ls.ReqFeatureIndex != 0xFFFF:
                    ls.ReqFeatureIndex = remap[ls.ReqFeatureIndex]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ns", required=True)
    ap.add_argument("--s2", required=True)
    ap.add_argument("--math", required=True)
    ap.add_argument("--emoji", required=True, help="static (non-variable) Noto Emoji")
    ap.add_argument("--emoji-data", required=True)
    ap.add_argument("--emoji-vs", required=True)
    ap.add_argument("--emoji-test", help="emoji-test.txt (needed by --lite)")
    ap.add_argument("--lite", action="store_true", help="smaller build, see LITE_SUBGROUPS")
    ap.add_argument("--glyph-names", action="store_true", help="keep prefixed glyph names (for testing)")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()

    paths = {"NS": a.ns, "S2": a.s2, "M": a.math, "E": a.emoji}
    cmaps = {k: TTFont(p, lazy=True).getBestCmap() for k, p in paths.items()}
    # Emoji_Modifier_Base too: E's skin-tone ligatures need E's own base glyph (✌ ☝ ✍ ⛹)
    emoji_pres = parse_ranges(a.emoji_data, "Emoji_Presentation") | \
        parse_ranges(a.emoji_data, "Emoji_Modifier_Base")
    vs_emoji, vs_text = parse_vs(a.emoji_vs)
    allow = None  # emoji code points E may draw (None: all)
    blocks = BLOCKS
    if a.lite:
        if not a.emoji_test:
            ap.error("--lite needs --emoji-test")
        allow = parse_subgroups(a.emoji_test, LITE_SUBGROUPS) | LITE_EXTRA | set(range(0x1F600, 0x1F650))
        blocks = [(n, LITE_MATH if n == "Mathematical Operators" else r,
                   ["E"] if p is PICT else p) for n, r, p in BLOCKS]

    # ---- decide the default source of every code point
    assign = {}
    for _, ranges, prio in blocks:
        for lo, hi in ranges:
            for cp in range(lo, hi + 1):
                cands = [k for k in prio if cp in cmaps[k]]
                if allow is not None and cp not in allow:
                    cands = [k for k in cands if k != "E"]
                if not cands:
                    continue
                if cp in emoji_pres and "E" in cands:
                    assign[cp] = "E"
                else:
                    assign[cp] = cands[0]
    for cp in EXTRA_FROM_E:
        if a.lite and cp == 0x200D:
            continue  # lite: no ZWJ glyph in E, so no ZWJ-sequence ligatures are pulled in
        if cp in cmaps["E"]:
            assign[cp] = "E"

    # ---- variation sequences (cmap format 14)
    uvs_alt = {}  # (cp, vs) -> source giving the non-default glyph
    for cp, src in assign.items():
        if cp in vs_emoji and src != "E" and cp in cmaps["E"] and (allow is None or cp in allow):
            uvs_alt[(cp, 0xFE0F)] = "E"
        if cp in vs_text and src == "E" and not (a.lite and cp >= 0x1F000):
            for k in TEXT_SOURCES:
                if cp in cmaps[k]:
                    uvs_alt[(cp, 0xFE0E)] = k
                    break

    need = {k: set() for k in paths}
    for cp, src in assign.items():
        need[src].add(cp)
    for (cp, vs), src in uvs_alt.items():
        need[src].add(cp)

    tmp = tempfile.mkdtemp(prefix="newssym-")
    prepared = []
    for k in ORDER:
        if not need[k]:
            continue
        s = os.path.join(tmp, k + "-subset.ttf")
        p = os.path.join(tmp, k + "-prefixed.ttf")
        subset_to(paths[k], need[k], s)
        prefix_glyphs(s, PREFIX[k], p, upem=1000)
        prepared.append((k, p))
        print(f"{k}: {len(need[k])} code points, subset {os.path.getsize(p)} bytes", file=sys.stderr)

    # remember each prepared font's cmap (glyph names are now prefixed)
    pcmap = {k: TTFont(p, lazy=True).getBestCmap() for k, p in prepared}

    merger = Merger(options=MergeOptions(drop_tables=["vhea", "vmtx", "STAT", "DSIG", "gasp", "meta", "kern", "MATH"]))
    font = merger.merge([p for _, p in prepared])
    sort_layout(font)

    # ---- rebuild cmap from the assignment
    mapping = {cp: pcmap[src][cp] for cp, src in assign.items()}
    uvs = {}
    for cp in sorted(c for c in vs_emoji | vs_text if c in mapping):
        for vs, table in ((0xFE0F, vs_emoji), (0xFE0E, vs_text)):
            if cp not in table:
                continue
            alt = uvs_alt.get((cp, vs))
            glyph = pcmap[alt][cp] if alt else None  # None = default glyph
            if glyph == mapping[cp]:
                glyph = None
            uvs.setdefault(vs, []).append((cp, glyph))
    cmap = newTable("cmap")
    cmap.tableVersion = 0
    cmap.tables = []
    bmp = {cp: g for cp, g in mapping.items() if cp <= 0xFFFF}
    for (pid, eid, fmt, m) in ((0, 3, 4, bmp), (0, 4, 12, mapping), (3, 1, 4, bmp), (3, 10, 12, mapping)):
        t = CmapSubtable.newSubtable(fmt)
        t.platformID, t.platEncID, t.language = pid, eid, 0
        t.cmap = dict(m)
        cmap.tables.append(t)
    t14 = CmapSubtable.newSubtable(14)
    t14.platformID, t14.platEncID, t14.language = 0, 5, 0xFF
    t14.cmap = {}
    t14.uvsDict = uvs
    cmap.tables.append(t14)
    font["cmap"] = cmap
    # one glyph per code point, so that a PDF's ToUnicode map gives every character back
    seen = {}
    for cp, g in sorted(mapping.items()):
        if g in seen:
            sys.exit(f"glyph {g} is shared by U+{seen[g]:04X} and U+{cp:04X}")
        seen[g] = cp

    # ---- metrics: Noto Sans-like line metrics, win* from real extents
    glyf = font["glyf"]
    ymax = max((getattr(glyf[g], "yMax", 0) for g in font.getGlyphOrder()), default=0)
    ymin = min((getattr(glyf[g], "yMin", 0) for g in font.getGlyphOrder()), default=0)
    hhea, os2, head = font["hhea"], font["OS/2"], font["head"]
    hhea.ascent, hhea.descent, hhea.lineGap = 1069, -293, 0
    os2.sTypoAscender, os2.sTypoDescender, os2.sTypoLineGap = 1069, -293, 0
    os2.usWinAscent, os2.usWinDescent = max(1069, ymax), max(293, -ymin)
    os2.usWeightClass = 400
    os2.fsSelection = (os2.fsSelection & ~0b1100001) | 0b1000000 | (1 << 7)  # REGULAR + USE_TYPO_METRICS
    os2.achVendID = "NONE"
    head.macStyle = 0

    # ---- names
    name = font["name"]
    lic = ("This Font Software is licensed under the SIL Open Font License, Version 1.1. "
           "This license is available with a FAQ at: https://openfontlicense.org")
    copyright_ = ("Copyright 2015 Google LLC (Noto Sans); Copyright 2017 Google Inc. (Noto Sans Symbols2); "
                  "Copyright 2018 Google LLC (Noto Sans Math); Copyright 2013 Google LLC (Noto Emoji).")
    desc = ("Subset and merge of Noto Sans, Noto Sans Symbols2, Noto Sans Math (Debian fonts-noto-core 20201225-1) "
            "and Noto Emoji 3.002 static wght=400 (PyPI manimgx-fonts 2026.9.26.post1). Monochrome, TrueType outlines.")
    family = NAME + (" Lite" if a.lite else "")
    ps = family.replace(" ", "") + "-Regular"
    if a.lite:
        desc += " Lite build: emoji limited to common news subgroups, no ZWJ-sequence ligatures."
    name.names = []
    for nid, s in ((0, copyright_), (1, family), (2, "Regular"), (3, "1.000;NONE;" + ps),
                   (4, family + " Regular"), (5, "Version 1.000"), (6, ps), (10, desc),
                   (13, lic), (14, "https://openfontlicense.org")):
        name.setName(s, nid, 3, 1, 0x409)
        name.setName(s, nid, 1, 0, 0)
    if not a.glyph_names:
        font["post"].formatType = 3.0  # no glyph names: smaller
    font["OS/2"].recalcUnicodeRanges(font)
    font["OS/2"].recalcCodePageRanges(font)
    font.save(a.output)
    shutil.rmtree(tmp)
    print(f"wrote {a.output}: {os.path.getsize(a.output)} bytes, "
          f"{len(mapping)} code points, {sum(len(v) for v in uvs.values())} variation sequences", file=sys.stderr)
    src_count = {}
    for src in assign.values():
        src_count[src] = src_count.get(src, 0) + 1
    print("code points by source:", src_count, file=sys.stderr)


if __name__ == "__main__":
    main()

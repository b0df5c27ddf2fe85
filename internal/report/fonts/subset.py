#!/usr/bin/python3
"""Makes FerrySansCJK-Regular.otf, the CJK font Ferry embeds for PDF reports.

Input: Noto Sans CJK SC Regular (face 2 of Debian's fonts-noto-cjk
NotoSansCJK-Regular.ttc). Output: a subset with
  - Latin: ASCII, Latin-1, Latin Extended-A, general punctuation, currency,
    letterlike symbols, number forms, arrows, maths operators;
  - CJK punctuation, fullwidth forms, and every non-ideograph of GB2312 and Big5;
  - ideographs: GB2312 levels 1 and 2 (6,763, Simplified) and Big5 level 1
    常用字 (5,401, Traditional), plus every character of Ferry's report catalogs;
  - the 'locl' substitutions for Traditional Chinese (ZHT) and Hong Kong (ZHH),
    so text marked lang="zh-Hant" gets Traditional glyph forms; the Japanese
    and Korean ones are dropped.
Run from the repository root (see README.md beside this file).
"""
import glob, json, sys
from fontTools.ttLib import TTCollection
from fontTools import subset
from fontTools.ttLib import newTable
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen

SRC = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
OUT = "internal/report/fonts/FerrySansCJK-Regular.ttf"

cps = set()
def rng(a, b):
    cps.update(range(a, b + 1))
rng(0x20, 0x7E); rng(0xA0, 0x17F)                # ASCII, Latin-1, Latin Extended-A
rng(0x2000, 0x206F); rng(0x20A0, 0x20CF)         # general punctuation, currency
rng(0x2100, 0x218F); rng(0x2190, 0x21FF)         # letterlike, number forms, arrows
rng(0x2200, 0x22FF); rng(0x2460, 0x24FF)         # maths, enclosed alphanumerics
rng(0x25A0, 0x25FF); rng(0x3000, 0x303F)         # geometric shapes, CJK punctuation
rng(0xFF00, 0xFFEF)                              # fullwidth forms

def decode(enc, b1, b2):
    for hi in b1:
        for lo in b2:
            try:
                s = bytes([hi, lo]).decode(enc)
            except UnicodeDecodeError:
                continue
            cps.update(ord(c) for c in s)

decode("gb2312", range(0xA1, 0xF8), range(0xA1, 0xFF))       # symbols, level 1 and 2
decode("big5", range(0xA1, 0xA4), list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)))  # symbols
decode("big5", range(0xA4, 0xC7), list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)))  # level 1 (常用字)
for f in glob.glob("internal/report/i18n/*/reports.json"):
    for v in json.load(open(f, encoding="utf-8")).values():
        cps.update(ord(c) for c in v)

font = TTCollection(SRC).fonts[2]
assert font["name"].getDebugName(1) == "Noto Sans CJK SC", font["name"].getDebugName(1)
keep = {"ZHT ", "ZHH ", "ZHS "}
for tag in ("GSUB", "GPOS"):
    if tag in font:
        for s in font[tag].table.ScriptList.ScriptRecord:
            recs = [r for r in s.Script.LangSysRecord if r.LangSysTag in keep]
            s.Script.LangSysRecord = recs
            s.Script.LangSysCount = len(recs)

opts = subset.Options()
opts.layout_features = ["locl", "kern", "palt", "vert", "vrt2", "ccmp", "liga"]
opts.name_IDs = ["*"]
opts.name_languages = ["*"]
opts.notdef_outline = True
opts.hinting = False
opts.desubroutinize = False
s = subset.Subsetter(opts)
s.populate(unicodes=cps)
s.subset(font)
# Renamed, as the OFL asks of a modified font with a Reserved Font Name.
name = font["name"]
for rec in name.names:
    if rec.nameID in (1, 3, 4, 6, 16):
        old = rec.toUnicode()
        new = old.replace("Noto Sans CJK SC", "Ferry Sans CJK").replace("NotoSansCJKsc", "FerrySansCJK")
        rec.string = new

# CFF outlines to TrueType ones (as fontTools' otf2ttf snippet does):
# Chromium's PDF writer (Skia) embeds a TrueType font as a named subset
# font, but draws CFF glyphs as anonymous Type 3 procedures.
order = font.getGlyphOrder()
glyphset = font.getGlyphSet()
glyf = font["glyf"] = newTable("glyf")
font["loca"] = newTable("loca")
glyf.glyphOrder = order
glyf.glyphs = {}
for g in order:
    pen = TTGlyphPen(glyphset)
    glyphset[g].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
    glyf.glyphs[g] = pen.glyph()
del font["CFF "]
if "VORG" in font:
    del font["VORG"]
glyf.compile(font)
hmtx = font["hmtx"]
for g, glyph in glyf.glyphs.items():
    if hasattr(glyph, "xMin"):
        hmtx[g] = (hmtx[g][0], glyph.xMin)
maxp = font["maxp"] = newTable("maxp")
maxp.tableVersion = 0x00010000
maxp.maxZones, maxp.maxTwilightPoints, maxp.maxStorage = 1, 0, 0
maxp.maxFunctionDefs = maxp.maxInstructionDefs = maxp.maxStackElements = maxp.maxSizeOfInstructions = 0
maxp.maxComponentElements = 0
maxp.compile(font)
post = font["post"]
post.formatType = 3.0  # no glyph names
font.sfntVersion = "\0\1\0\0"
font.save(OUT)
print(OUT, len(cps), "code points", len(font.getGlyphOrder()), "glyphs")

#!/bin/bash
# Rebuild NewsSymbols-Regular.ttf and NewsSymbolsLite-Regular.ttf from their sources.
# Needs: root (apt-get download), network to Debian and PyPI, python3.
#   bash build.sh [WORK_DIR] [OUT_DIR]      defaults: /tmp/symfont/work /tmp/symfont
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${1:-/tmp/symfont/work}; OUT=${2:-/tmp/symfont}
VENV=${VENV:-/tmp/symfont/venv}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1764633600}   # fixed head.modified: same bytes every build
mkdir -p "$WORK/deb" "$WORK/pypi" "$OUT"

# 0. fontTools (4.68.0 was used)
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q fonttools==4.68.0

# 1. Debian: Noto Sans, Noto Sans Symbols2, Noto Sans Math; Unicode emoji data
cd "$WORK/deb"
apt-get update -qq
apt-get download fonts-noto-core=20201225-1 unicode-data=15.0.0-1
dpkg-deb -x fonts-noto-core_20201225-1_all.deb x-core
dpkg-deb -x unicode-data_15.0.0-1_all.deb x-ud
N=$WORK/deb/x-core/usr/share/fonts/truetype/noto
U=$WORK/deb/x-ud/usr/share/unicode/emoji

# 2. PyPI: monochrome Noto Emoji (variable, wght 300-700)
cd "$WORK/pypi"
"$VENV/bin/pip" download -q --no-deps manimgx-fonts==2026.9.26.post1
rm -rf whl && mkdir whl && (cd whl && unzip -q ../manimgx_fonts-2026.9.26.post1-py3-none-any.whl)
W=$WORK/pypi/whl/manimgx_fonts

# 3. static Regular instance of Noto Emoji
mkdir -p "$WORK/build"
"$VENV/bin/fonttools" varLib.instancer "$W/NotoEmoji[wght].ttf" wght=400 --static \
    -o "$WORK/build/NotoEmoji-Regular-static.ttf"

# 4. subset + merge (see build_news_symbols.py)
COMMON=(--ns "$N/NotoSans-Regular.ttf" --s2 "$N/NotoSansSymbols2-Regular.ttf"
        --math "$N/NotoSansMath-Regular.ttf" --emoji "$WORK/build/NotoEmoji-Regular-static.ttf"
        --emoji-data "$U/emoji-data.txt" --emoji-vs "$U/emoji-variation-sequences.txt")
"$VENV/bin/python" "$HERE/build_news_symbols.py" "${COMMON[@]}" -o "$OUT/NewsSymbols-Regular.ttf"
"$VENV/bin/python" "$HERE/build_news_symbols.py" "${COMMON[@]}" --lite --emoji-test "$U/emoji-test.txt" \
    -o "$OUT/NewsSymbolsLite-Regular.ttf"

# 5. licence texts as shipped by the sources
cp "$WORK/deb/x-core/usr/share/doc/fonts-noto-core/copyright" "$OUT/fonts-noto-core-copyright.txt"
cp "$WORK/pypi/whl/manimgx_fonts-2026.9.26.post1.dist-info/licenses/LICENSE" "$OUT/manimgx-fonts-LICENSE.txt"
sha256sum "$OUT"/NewsSymbols*-Regular.ttf

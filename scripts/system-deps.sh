#!/bin/sh
# Make sure the system libraries publisher needs are present: Pango (WeasyPrint's text engine),
# HarfBuzz subsetting (fast font embedding), a Java runtime (EPUBCheck), poppler-utils (pdffonts
# and pdftotext, used by the checks and the tests), qpdf (the tests' check of joined PDFs' syntax and
# streams), Node and npm (pdf.js, Firefox's viewer, for the tests), Chromium (the browser Ace by DAISY
# checks EPUBs in, and the preview's browser tests). Installs them with apt-get when run as root
# on Debian or Ubuntu; otherwise prints the exact command and fails.
set -u

missing=""
has_lib() {
    if command -v ldconfig >/dev/null 2>&1 || [ -x /sbin/ldconfig ]; then
        { ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | grep -q "$1"
    else
        ls /usr/lib/*/"$1" /usr/lib/"$1" /usr/lib64/"$1" >/dev/null 2>&1
    fi
}

has_lib 'libpango-1.0.so.0' || missing="$missing libpango-1.0-0"
has_lib 'libpangoft2-1.0.so.0' || missing="$missing libpangoft2-1.0-0"
has_lib 'libharfbuzz-subset.so.0' || missing="$missing libharfbuzz-subset0"
command -v java >/dev/null 2>&1 || missing="$missing default-jre-headless"
command -v pdffonts >/dev/null 2>&1 || missing="$missing poppler-utils"
command -v qpdf >/dev/null 2>&1 || missing="$missing qpdf"
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing system packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
        echo "error: apt-get could not install:$missing" >&2
        exit 3
    }
    exit 0
fi

echo "error: missing system packages:$missing" >&2
echo "install them with: sudo apt-get install$missing" >&2
exit 3

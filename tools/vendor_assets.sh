#!/usr/bin/env bash
# Vendors the browser and PDF assets kikz serves itself (no CDN at run time) from the npm registry:
#   Leaflet (map of the counting sites)   -> kikz/web/static/vendor/leaflet/
#   DejaVu Sans TTF (PDF council reports) -> kikz/web/static/vendor/dejavu-fonts/
# Run from the repository root after changing a version below; commit the copied files.
set -euo pipefail
cd "$(dirname "$0")/.."

LEAFLET_VERSION=1.9.4
DEJAVU_VERSION=2.37.3
VENDOR=kikz/web/static/vendor
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

( cd "$WORK" && npm pack --silent "leaflet@$LEAFLET_VERSION" "dejavu-fonts-ttf@$DEJAVU_VERSION" >/dev/null )
mkdir -p "$WORK/leaflet" "$WORK/dejavu"
tar xzf "$WORK/leaflet-$LEAFLET_VERSION.tgz" -C "$WORK/leaflet"
tar xzf "$WORK/dejavu-fonts-ttf-$DEJAVU_VERSION.tgz" -C "$WORK/dejavu"

rm -rf "$VENDOR/leaflet" "$VENDOR/dejavu-fonts"
mkdir -p "$VENDOR/leaflet/images" "$VENDOR/dejavu-fonts"
cp "$WORK/leaflet/package/dist/leaflet.js" "$WORK/leaflet/package/dist/leaflet.css" "$VENDOR/leaflet/"
cp "$WORK/leaflet/package/dist/images/"*.png "$VENDOR/leaflet/images/"
cp "$WORK/leaflet/package/LICENSE" "$VENDOR/leaflet/LICENSE"
# nothing in what we serve may point outside: the attribution prefix links to leafletjs.com and two CSS comments
# cite bug trackers; the prefix becomes plain text, the comments lose their addresses
python3 - "$VENDOR/leaflet" <<'PY'
import pathlib, re, sys
root = pathlib.Path(sys.argv[1])
js = root / "leaflet.js"
text = js.read_text()
text, n = re.subn(r"prefix:'<a href=\"https://leafletjs\.com\"[^>]*>'", "prefix:'<span>'", text)
assert n == 1, "Leaflet attribution prefix not found"
text = text.replace("Leaflet</a>", "Leaflet</span>", 1)
js.write_text(text.replace("maps. https://leafletjs.com", "maps. leafletjs.com", 1))  # the banner stays
css = root / "leaflet.css"
css.write_text(re.sub(r"https?://\S+", "(Browser-Fehlerbericht)", css.read_text()))
PY
echo "leaflet $LEAFLET_VERSION (npm), BSD-2-Clause" > "$VENDOR/leaflet/VERSION"
cp "$WORK/dejavu/package/ttf/DejaVuSans.ttf" "$WORK/dejavu/package/ttf/DejaVuSans-Bold.ttf" "$VENDOR/dejavu-fonts/"
cp "$WORK/dejavu/package/LICENSE" "$VENDOR/dejavu-fonts/LICENSE"
echo "dejavu-fonts-ttf $DEJAVU_VERSION (npm), Bitstream Vera / DejaVu licence" > "$VENDOR/dejavu-fonts/VERSION"
echo "vendored into $VENDOR"

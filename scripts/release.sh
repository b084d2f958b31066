#!/usr/bin/env bash
# Builds the `tagwire` binary to deploy: a release build with Swift's runtime and Foundation linked in
# (--static-swift-stdlib), so that it runs on a host without Swift, stripped of its symbols. Writes DIR/tagwire
# (default dist/), checks that it links no Swift library and that it runs, and prints what it links.
#
#   scripts/release.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist}"
scratch=.build-release-static
swift build -c release --product tagwire --static-swift-stdlib --scratch-path "$scratch"
bin="$(swift build -c release --product tagwire --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)/tagwire"
mkdir -p "$out"
cp "$bin" "$out/tagwire"
strip "$out/tagwire"
linked="$(ldd "$out/tagwire")"
if grep -qi swift <<<"$linked"; then
    echo "scripts/release.sh: $out/tagwire still links Swift libraries:" >&2
    grep -i swift <<<"$linked" >&2
    exit 1
fi
# It runs with an empty environment (no Swift on the library path) and reads a property.
env -i "$out/tagwire" validate Properties/meta-quickstart-edge >/dev/null
echo "scripts/release.sh: $out/tagwire ($(du -h "$out/tagwire" | cut -f1)), linking:" >&2
awk '{print "  " $1}' <<<"$linked" >&2
echo "$out/tagwire"

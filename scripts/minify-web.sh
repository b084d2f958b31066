#!/usr/bin/env bash
# Makes the minified form of every browser script under Sources/ (`x.js` -> `x.min.js`, committed beside it),
# with Debian's esbuild (`apt-get install esbuild`). Users never run this: the minified files ship in the package.
# `--check` regenerates into a temporary folder and fails when a committed `.min.js` differs (CI runs it), so a
# change to a readable script cannot ship with a stale minified one. The output depends on esbuild's version:
# CI installs the same Debian release's esbuild as the machines that commit.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v esbuild >/dev/null || { echo "minify-web.sh: esbuild not found (apt-get install esbuild)" >&2; exit 1; }
check=false
[ "${1:-}" = "--check" ] && check=true
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
stale=0
while IFS= read -r source; do
    target="${source%.js}.min.js"
    esbuild --minify --log-level=warning --charset=utf8 "$source" > "$scratch/out.js"
    if $check; then
        if ! cmp -s "$scratch/out.js" "$target"; then
            echo "minify-web.sh: $target is stale; run scripts/minify-web.sh and commit the result" >&2
            stale=1
        fi
    else
        cp "$scratch/out.js" "$target"
    fi
# The Graph API sandbox's stand-in for fbevents.js is served as written (it never ships in a library).
done < <(git ls-files --cached --others --exclude-standard 'Sources/*.js' | grep -v -e '\.min\.js$' -e '^Sources/TagwireGraphSandbox/')
exit $stale

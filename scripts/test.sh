#!/usr/bin/env bash
# The tests, by themselves on a fresh machine: makes a virtual environment with the pinned Python test tools (once),
# puts it first on PATH for the tests that run Python, says which tests are skipped and why, then runs `swift test`
# with any arguments given (for example `--filter EngineTests`).
#
# The Python tools, from PyPI, each for one kind of test:
# - jsonschema: a real JSON Schema 2020-12 validator, which checks the committed Schemas/ against the examples;
# - facebook-business: Meta's own SDK, whose normalisation and hashing the Meta tests compare with Tagwire's;
# - phonenumbers: libphonenumber's Python port, the source of the generated phone-number table, whose readings of
#   every region's numbers the phone tests compare with Tagwire's (the same version as the table's);
# - schemathesis (with hypothesis pinned): fuzzes a live `tagwire serve` against docs/openapi.json
#   (scripts/schemathesis.sh, which .ci/run runs after this);
# - selenium: drives Debian's Chromium through its chromedriver for the browser runtime's tests in a real browser
#   (skipped, and said so, when Chromium or chromedriver is absent).
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${TAGWIRE_TEST_VENV:-.build/test-venv}"
requirements=(
    'jsonschema==4.26.0'
    'facebook-business==26.0.3'
    'phonenumbers==9.0.43'
    'schemathesis==4.32.5'
    'hypothesis==6.170.17'
    'selenium==4.40.0'
)
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python3" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${requirements[*]}" ]; then
    echo "scripts/test.sh: installing the Python test tools into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check "${requirements[@]}"
    printf '%s' "${requirements[*]}" >"$stamp"
fi
"$venv/bin/python3" -c 'import jsonschema, facebook_business, phonenumbers, schemathesis, selenium'
export PATH="$PWD/$venv/bin:$PATH"

if [ -z "${TAGWIRE_POSTGRES_URL:-}" ]; then
    # An empty value means none, for the tests as for this message.
    unset TAGWIRE_POSTGRES_URL
    echo "scripts/test.sh: TAGWIRE_POSTGRES_URL is not set, so the PostgreSQL outbox tests are skipped" \
        "(set it to a server's URL, as .ci/run does with one it starts on loopback)" >&2
fi

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    echo "scripts/test.sh: chromium or chromedriver is missing, so the tests in a real browser are skipped" \
        "(apt-get install chromium chromium-driver, as .ci/run does)" >&2
fi

exec swift test "$@"

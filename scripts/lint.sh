#!/usr/bin/env bash
# Checks the Swift sources against .swift-format (swift-format ships with the Swift toolchain), as CI does.
# Generated files (`*+Generated.swift`) are left as their generators write them. `--fix` formats in place first.
# The one rule turned off, OnlyOneTrailingClosureArgument: EventRunner's calls pass a clock closure and a trailing
# emitter, which reads better than two labelled closures.
set -euo pipefail
cd "$(dirname "$0")/.."
files=()
while IFS= read -r f; do files+=("$f"); done < <(git ls-files --cached --others --exclude-standard 'Package.swift' 'Sources/*.swift' 'Tests/*.swift' | grep -v '+Generated\.swift$')
if [ "${1:-}" = "--fix" ]; then swift format format --in-place --parallel "${files[@]}"; fi
swift format lint --strict --parallel "${files[@]}"

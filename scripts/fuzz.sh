#!/usr/bin/env bash
# Coverage-guided fuzzing of one target with libFuzzer and the address sanitizer (the toolchain's own runtime):
#
#   scripts/fuzz.sh TARGET [RUNS]        # TARGET: json, property, engine or request; RUNS default 1000000
#   scripts/fuzz.sh TARGET merge         # folds what the runs found into the saved corpus, minimised
#
# It starts from the saved corpus (Tests/TagwireFuzzingTests/Corpus/TARGET, which the tests replay) and keeps what
# it finds in .build-fuzz/corpus/TARGET. A crash leaves crash-<hash> in the current directory: copy it into the
# saved corpus, so that the tests replay it, and fix the cause. libFuzzer prints the executions and their rate
# when it stops ("Done N runs in S second(s)").
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: scripts/fuzz.sh json|property|engine|request [RUNS|merge]}"
what="${2:-1000000}"
scratch=.build-fuzz
# lld: gold fails on the sanitizer's symbols.
TAGWIRE_FUZZ=1 swift build --scratch-path "$scratch" --product tagwire-fuzz -Xswiftc -sanitize=fuzzer,address \
    -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld
bin="$(TAGWIRE_FUZZ=1 swift build --scratch-path "$scratch" --product tagwire-fuzz --show-bin-path)/tagwire-fuzz"
saved="Tests/TagwireFuzzingTests/Corpus/$target"
found="$scratch/corpus/$target"
mkdir -p "$found"
export TAGWIRE_FUZZ_TARGET="$target"
# See the leak note below: the sanitizer's check at exit has the same blind spot.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
if [ "$what" = merge ]; then
    exec "$bin" -merge=1 "$saved" "$found"
fi
# Inputs up to 64 KiB (a property directory's files, an NDJSON batch), ten seconds each at most. Leak detection is
# off: Swift keeps flags in the spare bits of its pointers, so LeakSanitizer cannot follow them and reports live
# objects (the engines built at start) as leaked.
exec "$bin" "$found" "$saved" -runs="$what" -max_len=65536 -timeout=10 -rss_limit_mb=4096 -detect_leaks=0 \
    -print_final_stats=1

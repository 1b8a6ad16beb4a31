#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Long fuzzing runs (see README.md): every target (or the ones named) for SECONDS each, one after the
# other, in a fuzz build (build-asan or build/asan, as tests/sanitize/run.sh configures it). Prints the
# executions per target; a crash stops with the reproducer's path.
#   bash tests/fuzz/run.sh SECONDS [target…]        e.g. bash tests/fuzz/run.sh 3600 message_codec
#   QSOKETI_FUZZ_BUILD=dir picks another build folder.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# build-asan: configured by hand or by tests/sanitize/run.sh; build/asan: where the CTest test puts it.
build=${QSOKETI_FUZZ_BUILD:-$src/build-asan}
[ -d "$build" ] || [ -n "${QSOKETI_FUZZ_BUILD:-}" ] || build=$src/build/asan
seconds=${1:?usage: run.sh SECONDS [target…]}
shift
all=false
if [ $# -eq 0 ]; then
    all=true
    set -- $(cd "$src/tests/fuzz/corpus" && ls)
fi
for name in "$@"; do
    binary=$build/tests/fuzz/fuzz_$name
    if [ ! -x "$binary" ]; then
        # Every target with a corpus, except one whose code is not in this tree (CMakeLists.txt says which).
        $all && { echo "$name: not built here, skipped"; continue; }
        echo "$binary is missing: build it (tests/fuzz/README.md)" >&2
        exit 2
    fi
    dict=()
    [ -f "$src/tests/fuzz/$name.dict" ] && dict=(-dict="$src/tests/fuzz/$name.dict")
    mkdir -p "$build/tests/fuzz/corpus/$name" "$build/tests/fuzz/artifacts"
    log=$build/tests/fuzz/$name.log
    "$binary" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 "${dict[@]}" \
        -artifact_prefix="$build/tests/fuzz/artifacts/$name-" \
        "$build/tests/fuzz/corpus/$name" "$src/tests/fuzz/corpus/$name" >"$log" 2>&1 || {
        echo "$name: FAILED, see $log" >&2
        grep -E 'Test unit written|SUMMARY' "$log" >&2 || true
        exit 1
    }
    execs=$(grep -Eo 'stat::number_of_executed_units: [0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
    echo "$name: $execs executions in ${seconds} s, no crash ($log)"
done

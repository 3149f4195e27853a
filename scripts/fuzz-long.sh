#!/usr/bin/env bash
# The hostile-input fuzz suite (test/fuzz), long: many cases per property, with a random
# seed unless one is given. CI runs the same suite with a fixed seed and few cases.
#
#   scripts/fuzz-long.sh               random seed, 500 cases per property
#   scripts/fuzz-long.sh SEED [RUNS]   a given seed (to replay a failure), RUNS cases
#
# FUZZ_SEED / FUZZ_RUNS work too; FUZZ_SHRINK=0 reports a failure without shrinking it;
# FUZZ_CASE_MS sets the time limit of one case (default 20000).
set -euo pipefail
cd "$(dirname "$0")/.."

seed="${1:-${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}}"
runs="${2:-${FUZZ_RUNS:-500}}"
if ! [[ "$seed" =~ ^-?[0-9]+$ && "$runs" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 [SEED] [RUNS]  (integers)" >&2
  exit 2
fi

replay="FUZZ_SEED=$seed FUZZ_RUNS=$runs scripts/fuzz-long.sh"
echo "fuzz: FUZZ_SEED=$seed FUZZ_RUNS=$runs"
trap 'status=$?; echo "fuzz: FUZZ_SEED=$seed FUZZ_RUNS=$runs: $([ $status -eq 0 ] && echo passed || echo "FAILED (exit $status); replay with: $replay")"' EXIT

# The long-line memory test runs the built CLI in child processes.
pnpm -s build
FUZZ_SEED="$seed" FUZZ_RUNS="$runs" pnpm -s vitest run test/fuzz

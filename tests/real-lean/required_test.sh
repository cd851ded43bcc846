#!/usr/bin/env bash
# HARNESS_REQUIRE_LEAN=1 turns the real-Lean tier's skip into a failure that says why, and
# without it the same tier is skipped: run.sh against a workspace where lake cannot work.
set -uo pipefail
run=$1 harness=$2 here=$3
nowhere=$(mktemp -d)/missing
out=$(HARNESS_REQUIRE_LEAN=1 "$run" "$harness" "$nowhere" "$here" 2>&1); status=$?
echo "required: exit $status: $out"
[ "$status" = 1 ] || { echo "expected exit 1 when Lean is required"; exit 1; }
echo "$out" | grep -q "^FAILED: real-Lean tier required" || { echo "expected the FAILED line"; exit 1; }
out=$(HARNESS_REQUIRE_LEAN=0 "$run" "$harness" "$nowhere" "$here" 2>&1); status=$?
echo "not required: exit $status: $out"
[ "$status" = 77 ] || { echo "expected exit 77 (skipped) when Lean is not required"; exit 1; }
echo "$out" | grep -q "^SKIPPED: real-Lean tier" || { echo "expected the SKIPPED line"; exit 1; }

#!/usr/bin/env bash
# scripts/ci-check, the script docs/ci.md's GitHub Actions and GitLab CI jobs wrap, against the
# REPL double: a first run with no baseline saves one, a regression exits 1 naming it, a
# workspace whose lake cannot build exits 3.
set -uo pipefail
script=$1 harness=$2 repl=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail() { echo "FAIL: $*"; exit 1; }
line() { printf '{"name": "%s", "formal_statement": "theorem %s : True := by\\n", "proof": "%s"}\n' "$1" "$1" "$2"; }
{ line a '  trivial\n'; line b '  trivial\n'; } > good.jsonl
{ line a '  trivial\n'; line b '  trivial\n--! error unknown identifier\n'; } > bumped.jsonl
export HARNESS=$harness CI_SKIP_LAKE_BUILD=1

out=$("$script" good.jsonl --baseline base.db --save-baseline base.db -- --repl "$repl" --sandbox none 2>&1)
status=$?
echo "$out"
[ "$status" = 0 ] || fail "a passing corpus exits $status"
echo "$out" | grep -q "no baseline at base.db" || fail "a first run says it has no baseline"
[ -f base.db ] || fail "the baseline was not saved"
[ -f check.xml ] && grep -q '<testcase' check.xml || fail "no JUnit report"

out=$("$script" bumped.jsonl --baseline base.db --save-baseline base.db --db ci2.db -- --repl "$repl" --sandbox none 2>&1)
status=$?
echo "$out"
[ "$status" = 1 ] || fail "a regression exits $status, not 1"
echo "$out" | grep -q "regressions (passed in the baseline, not now): 1" || fail "the regression is not listed"
echo "$out" | grep -q "  b (line 2" || fail "the regression is not named"
[ "$(sqlite3 base.db "select count(*) from runs where command = 'check'")" = 1 ] ||
  fail "a failing run replaced the baseline"

mkdir empty
CI_SKIP_LAKE_BUILD=0 "$script" good.jsonl --workspace "$dir/empty" -- --repl "$repl" --sandbox none
status=$?
[ "$status" = 3 ] || fail "a workspace lake cannot build exits $status, not 3"
echo "ok"

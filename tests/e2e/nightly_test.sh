#!/usr/bin/env bash
# scripts/nightly against the REPL double, its shards as local processes (no Slurm): a first
# night has nothing to compare with, a second one names its regression and its new solve.
# Then the files docs/scale.md shows: the systemd units pass `systemd-analyze verify` and
# name only options scripts/nightly has, and the Kubernetes Indexed Job gives
# scripts/score-shard what it reads, its pods (run here as processes) covering the input once.
set -uo pipefail
source_dir=$1 harness=$2 repl=$3
nightly=$source_dir/scripts/nightly shard_script=$source_dir/scripts/score-shard
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail() { echo "FAIL: $*"; exit 1; }
line() { printf '{"name": "%s", "formal_statement": "theorem %s : True := by\\n", "proof": "%s"}\n' "$1" "$1" "$2"; }
{ for t in a b c e f g; do line $t '  trivial\n'; done; line d '  exact foo\n--! error unknown identifier\n'; } > one.jsonl
{ for t in a c e f g; do line $t '  trivial\n'; done; line b '  simp\n--! error simp made no progress\n'; line d '  trivial\n'; } > two.jsonl
export HARNESS=$harness
opts=(-- --repl "$repl" --sandbox none --workers 1)

out=$("$nightly" one.jsonl --dir nights --shards 3 --date 2026-01-01 "${opts[@]}" 2>&1)
status=$?
echo "$out"
[ "$status" = 0 ] || fail "a first night exits $status"
echo "$out" | grep -q "no earlier night" || fail "a first night says nothing about an earlier one"
[ "$(ls nights/2026-01-01/shards/shard-*.db | wc -l)" = 3 ] || fail "not 3 shard stores"
[ "$(sqlite3 nights/2026-01-01/all.db "select count(*) from runs")" = 3 ] || fail "the merged store does not hold 3 runs"
[ "$(sqlite3 nights/2026-01-01/all.db "select count(*) from attempts")" = 7 ] || fail "the merged store does not hold the 7 lines"
echo "$out" | grep -q "tasks 7, solved 6" || fail "harness report's total is not printed"

out=$("$nightly" two.jsonl --dir nights --shards 3 --date 2026-01-02 "${opts[@]}" 2>&1)
status=$?
echo "$out"
[ "$status" = 1 ] || fail "a night with a regression exits $status, not 1"
echo "$out" | grep -q "compared with 2026-01-01" || fail "not compared with the night before"
echo "$out" | grep -q "regressions (solved before, attempted tonight, not solved): 1" || fail "the regression is not counted"
echo "$out" | grep -qE "^  b \(task [0-9a-f]{12}\)" || fail "the regression is not named"
echo "$out" | grep -q "new solves: 1" || fail "the new solve is not counted"
echo "$out" | grep -qE "^  d \(task " || fail "the new solve is not named"
grep -q "regressions" nights/2026-01-02/compare.txt || fail "compare.txt is missing"

# A night again is replaced; a shard that fails stops the night (exit 3) before the merge.
out=$("$nightly" two.jsonl --dir nights --shards 2 --date 2026-01-03 -- --repl "$repl" --no-such-option 2>&1)
status=$?
[ "$status" = 3 ] || { echo "$out"; fail "a failing shard exits $status, not 3"; }
[ ! -f nights/2026-01-03/all.db ] || fail "a night with a failed shard was merged"
"$nightly" two.jsonl --dir nights --shards 2 --date 2026-01-02 "${opts[@]}" >/dev/null 2>&1
[ "$(sqlite3 nights/2026-01-02/all.db "select count(*) from runs")" = 2 ] || fail "a night run again was not replaced"

# The systemd units: systemd's own check (the script where this checkout has it, no user to
# look up), and the service's options are scripts/nightly's.
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing: run scripts/setup (Debian's systemd)"
mkdir units
cp "$source_dir"/docs/deploy/harness-nightly.{service,timer} units/
grep -q '^ExecStart=/srv/harness/scripts/nightly ' units/harness-nightly.service || fail "the service does not run scripts/nightly"
sed -i "/^User=/d; /^Group=/d; s#^ExecStart=/srv/harness/scripts/nightly #ExecStart=$nightly #" units/harness-nightly.service
said=$(systemd-analyze verify units/harness-nightly.service units/harness-nightly.timer 2>&1)
status=$?
[ "$status" = 0 ] && [ -z "$said" ] || fail "systemd-analyze verify: $said"
grep -q '^Unit=harness-nightly.service$' units/harness-nightly.timer || fail "the timer does not start the service"
exec_line=$(grep '^ExecStart=' units/harness-nightly.service)
usage=$(sed -n '5,6p' "$nightly")
for o in $(echo "${exec_line%% -- *}" | grep -oE -- '--[a-z-]+'); do
  echo "$usage" | grep -q -- "\[$o\b\|$o " || fail "the service gives scripts/nightly $o, which it does not have"
done

# The Kubernetes Indexed Job: SHARD_COUNT is its completions, every variable it sets is one
# scripts/score-shard reads, the folders are mounted; then its pods, as processes here.
python3 - "$source_dir/docs/deploy/kubernetes-shards.yaml" "$shard_script" > job.env <<'EOF' || fail "docs/deploy/kubernetes-shards.yaml"
import re, shlex, sys, yaml
(job,) = list(yaml.safe_load_all(open(sys.argv[1])))
script = open(sys.argv[2]).read()
assert job["kind"] == "Job" and job["spec"]["completionMode"] == "Indexed", "not an Indexed Job"
pod = job["spec"]["template"]["spec"]
assert pod["restartPolicy"] == "Never"
(c,) = pod["containers"]
env = {e["name"]: e["value"] for e in c["env"]}
assert int(env["SHARD_COUNT"]) == job["spec"]["completions"], "SHARD_COUNT is not completions"
assert job["spec"]["parallelism"] <= job["spec"]["completions"]
for name in env:
    assert re.search(r"\$\{?" + name + r"\b", script), f"score-shard does not read {name}"
assert c["command"][0].endswith("/score-shard")
mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
volumes = {v["name"]: v for v in pod["volumes"]}
for var in ("HARNESS_RESULTS", "HARNESS_LOCAL"):
    assert env[var] in mounts, f"{var} is not a mounted folder"
assert "emptyDir" in volumes[mounts[env["HARNESS_LOCAL"]]], "the store is not on a node-local emptyDir"
assert any(env["HARNESS_INPUT"].startswith(p + "/") for p in mounts), "the input is not mounted"
print(f"count={env['SHARD_COUNT']}")
print("args=" + shlex.quote(env["HARNESS_ARGS"]))
EOF
source job.env
echo "$args" | grep -q -- "--workspace" || fail "the Job's HARNESS_ARGS name no workspace"
mkdir results scratch
for ((i = 0; i < count; i++)); do
  JOB_COMPLETION_INDEX=$i SHARD_COUNT=$count HARNESS_INPUT=$dir/two.jsonl HARNESS_RESULTS=$dir/results \
    HARNESS_LOCAL=$dir/scratch HARNESS_ARGS="--repl $repl --sandbox none --workers 1" \
    "$shard_script" > "pod-$i.log" 2>&1 || { cat "pod-$i.log"; fail "pod $i exits $?"; }
  grep -q "shard $i/$count of" "pod-$i.log" || fail "pod $i did not take shard $i/$count"
done
"$harness" merge results/shard-*.db -o pods.db >/dev/null || fail "merging the pods' stores"
[ "$(sqlite3 pods.db "select count(*) from runs")" = "$count" ] || fail "not $count runs"
[ "$(sqlite3 pods.db "select count(distinct line) || ' ' || count(*) from attempts")" = "7 7" ] ||
  fail "the pods did not score each line once"
echo "ok"

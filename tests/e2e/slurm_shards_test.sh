#!/usr/bin/env bash
# A real single-node Slurm (docs/scale.md): scripts/score-shard as a 4-task job array of
# `harness score --shard I/4` against the REPL double, each task with its own store; then
# `harness merge` of the 4 stores. The merged store must hold exactly the verdicts of one
# `harness score` process over the same input, line for line, each line scored once. Then
# scripts/nightly --slurm over the same input gives the same rows.
#
# The test starts its own munged (own key and socket), slurmctld and slurmd (own conf file,
# ports, state and logs in a scratch folder), so it never talks to a Slurm or munge the
# machine already runs, and stops them by their pid files on exit.
set -uo pipefail
source_dir=$1 harness=$2 repl=$3
export PATH=$PATH:/usr/sbin:/sbin
# Nothing of a Slurm this test may itself run under: only its own conf and daemons.
unset $(env | grep -oE '^(SLURM|SBATCH|SALLOC|SRUN)_[A-Z_]*' || true) SHARD_INDEX SHARD_COUNT
fail() { echo "FAIL: $*"; exit 1; }

missing=()
for tool in munged mungekey munge unmunge slurmctld slurmd sbatch sinfo scancel sqlite3 python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
[ ${#missing[@]} = 0 ] ||
  fail "missing ${missing[*]}: run scripts/setup (it installs Debian's slurmctld slurmd slurm-client munge sqlite3 python3)"

if [ "$(id -u)" != 0 ]; then
  # slurmd starts each job as its user, which only root can do.
  echo "SKIPPED: the Slurm test needs root (slurmd runs jobs as their user); run it as root"
  exit 0
fi

dir=$(mktemp -d /tmp/harness-slurm-test.XXXXXX)
chmod 755 "$dir"  # munge's socket must be reachable
cleanup() {
  [ -n "${SLURM_CONF:-}" ] && timeout 5 scancel --quiet --user="$(id -un)" 2>/dev/null
  local pidfile pid
  for pidfile in slurmd.pid slurmctld.pid munged.pid; do
    [ -f "$dir/$pidfile" ] || continue
    pid=$(cat "$dir/$pidfile")
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
  done
  # Wait until they are gone (a zombie counts as gone: its ports are closed).
  for _ in $(seq 50); do
    local alive=0
    for pidfile in slurmd.pid slurmctld.pid munged.pid; do
      [ -f "$dir/$pidfile" ] || continue
      pid=$(cat "$dir/$pidfile")
      [ -n "$pid" ] && [ -e "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] && alive=1
    done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  rm -rf "$dir"
}
trap cleanup EXIT
logs() {
  local f
  for f in "$dir"/munged.log "$dir"/slurmctld.log "$dir"/slurmd.log "$dir"/job-*.out; do
    [ -f "$f" ] && { echo "---- $f"; tail -n 40 "$f"; }
  done
}

# munge: a key and a socket of our own.
mungekey -c -k "$dir/munge.key" || fail "mungekey could not create a key"
munged --force --socket="$dir/munge.sock" --key-file="$dir/munge.key" --log-file="$dir/munged.log" \
  --pid-file="$dir/munged.pid" --seed-file="$dir/munged.seed" || { logs; fail "munged did not start"; }
munge -S "$dir/munge.sock" -n | unmunge -S "$dir/munge.sock" >/dev/null || { logs; fail "munge cannot encode and decode"; }

# Two free TCP ports for the controller and the node daemon.
read -r ctld_port node_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
host=$(hostname -s)
mkdir -p "$dir/state" "$dir/spool" "$dir/local" "$dir/results"
cat > "$dir/slurm.conf" <<EOF
ClusterName=harnesstest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$node_port
SlurmUser=$(id -un)
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge.sock
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=harnesstest Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$dir/slurm.conf
slurmctld -f "$SLURM_CONF" || { logs; fail "slurmctld did not start"; }
slurmd -f "$SLURM_CONF" || { logs; fail "slurmd did not start"; }
state=""
for _ in $(seq 100); do
  state=$(sinfo -h -o %T 2>/dev/null)
  [ "$state" = idle ] && break
  sleep 0.2
done
[ "$state" = idle ] || { logs; fail "the node is not idle after 20 s (sinfo says '$state')"; }

# The input: every task of tasks/core with its reference proof (the double passes it), some
# again with a proof that fails, some with `sorry` (incomplete), and lines that
# cannot be read (they go to a shard by line number).
python3 - "$source_dir/tasks/core/core_tasks.jsonl" > "$dir/in.jsonl" <<'EOF'
import json, sys
for i, line in enumerate(open(sys.argv[1])):
    t = json.loads(line)
    row = {"name": t["name"], "header": t["header"], "formal_statement": t["formal_statement"]}
    print(json.dumps(dict(row, proof=t["reference_proof"] + "\n")))
    if i % 5 == 0:
        print(json.dumps(dict(row, proof="  exact foo\n--! error unknown identifier 'foo'\n")))
    if i % 7 == 0:
        print(json.dumps(dict(row, proof="  sorry\n")))
    if i % 40 == 0:
        print('{"name": "broken", "formal_statement": ')
EOF
lines=$(wc -l < "$dir/in.jsonl")
[ "$lines" -gt 150 ] || fail "the input has only $lines lines"

args="--repl $(printf %q "$repl") --sandbox none --workers 1"
start=$SECONDS
HARNESS_INPUT=$dir/in.jsonl HARNESS_RESULTS=$dir/results HARNESS=$harness HARNESS_LOCAL=$dir/local \
  HARNESS_ARGS=$args \
  sbatch --wait --quiet --array=0-3 --cpus-per-task=1 --output="$dir/job-%a.out" \
  "$source_dir/scripts/score-shard"
status=$?
echo "the array job ran in $((SECONDS - start)) s"
[ "$status" = 0 ] || { logs; fail "sbatch --wait exits $status"; }
for i in 0 1 2 3; do
  grep -q "score-shard: shard $i/4 of .* on $host" "$dir/job-$i.out" || { logs; fail "task $i did not run its shard"; }
  [ -f "$dir/results/shard-$i.db" ] || { logs; fail "shard $i left no store"; }
  n=$(sqlite3 "$dir/results/shard-$i.db" "select count(*) from attempts")
  echo "shard $i: $n lines"
  [ "$n" -gt 0 ] || fail "shard $i scored no line"
  [ "$(sqlite3 "$dir/results/shard-$i.db" "select json_extract(settings, '$.shard') from runs")" = "$i/4" ] ||
    fail "shard $i's run does not record --shard $i/4"
done
[ -z "$(ls "$dir/local")" ] || fail "the node-local folders were not removed: $(ls "$dir/local")"

"$harness" merge "$dir"/results/shard-*.db -o "$dir/all.db" || fail "harness merge exits $?"
eval "single_args=($args)"
"$harness" score "$dir/in.jsonl" --db "$dir/single.db" --out "$dir/single.jsonl" --no-progress \
  "${single_args[@]}" || fail "the single-process run exits $?"

rows() {
  sqlite3 -separator ' | ' "$1" "select line, name, ifnull(task_id, '-'), verdict, decided_by,
    replace(proof, char(10), '\\n') from attempts order by line, task_id"
}
rows "$dir/all.db" > "$dir/all.txt"
rows "$dir/single.db" > "$dir/single.txt"
[ "$(wc -l < "$dir/single.txt")" = "$lines" ] || fail "the single run has $(wc -l < "$dir/single.txt") rows for $lines lines"
diff "$dir/single.txt" "$dir/all.txt" || fail "the merged shards differ from the single run"
[ "$(sqlite3 "$dir/all.db" "select count(*) from runs")" = 4 ] || fail "the merged store does not hold 4 runs"
dup=$(sqlite3 "$dir/all.db" "select line from attempts group by line having count(*) > 1")
[ -z "$dup" ] || fail "lines scored by more than one shard: $dup"
for v in pass fail incomplete invalid; do
  [ "$(sqlite3 "$dir/all.db" "select count(*) from attempts where verdict = '$v'")" -gt 0 ] ||
    fail "no $v verdict: the input does not exercise what it should"
done
# The shards' OUT files hold the single run's rows between them.
[ "$(cat "$dir"/results/shard-*.jsonl | wc -l)" = "$(wc -l < "$dir/single.jsonl")" ] ||
  fail "the shards' OUT files do not add up to the single run's"
# harness report: the same totals.
"$harness" report --db "$dir/all.db" --format json > "$dir/all.json" || fail "harness report exits $?"
"$harness" report --db "$dir/single.db" --format json > "$dir/single.json" || fail "harness report exits $?"
python3 - "$dir/all.json" "$dir/single.json" <<'EOF' || fail "harness report's totals differ"
import json, sys
a, b = (json.load(open(f))["total"] for f in sys.argv[1:])
print("merged:", a)
print("single:", b)
sys.exit(0 if a == b else 1)
EOF
sqlite3 "$dir/all.db" "select verdict, count(*) from attempts group by verdict"

# scripts/nightly --slurm, the same job array from the script a systemd timer starts: its
# night's merged store holds the same rows again.
start=$SECONDS
HARNESS=$harness NIGHTLY_SBATCH_ARGS=--cpus-per-task=1 "$source_dir/scripts/nightly" "$dir/in.jsonl" \
  --dir "$dir/nights" --shards 4 --slurm --date night1 -- "${single_args[@]}" > "$dir/nightly.out" 2>&1
status=$?
echo "scripts/nightly --slurm ran in $((SECONDS - start)) s"
[ "$status" = 0 ] || { cat "$dir/nightly.out"; logs; fail "scripts/nightly --slurm exits $status"; }
grep -q "Slurm job array" "$dir/nightly.out" || fail "scripts/nightly did not use Slurm"
for i in 0 1 2 3; do
  grep -q "on $host" "$dir/nights/night1/shard-$i.log" || fail "no Slurm output for the night's shard $i"
done
rows "$dir/nights/night1/all.db" > "$dir/night.txt"
diff "$dir/single.txt" "$dir/night.txt" || fail "the night's merged store differs from the single run"
echo "ok: 4 Slurm array tasks, merged, equal to one process over $lines lines ($((SECONDS)) s)"

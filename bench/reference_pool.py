#!/usr/bin/env python3
"""The reference a `harness score` run is measured against (bench/score_bench, docs/benchmarks.md):
a plain Python pool that makes the same REPL round trips per proof as the harness does, with
none of its work around them (no guard, no cache, no store, no OUT file).

Per worker: one REPL process, one thread. Per proof, as the harness sends them to a fresh
statement: the reference declaration, the candidate, the closing request (#print axioms, the
statement comparison, the nonce), each on the environment the one before made.

usage: reference_pool.py REPL_COMMAND INPUT.jsonl WORKERS
Prints one JSON object: {"proofs": N, "seconds": S, "per_second": R, "passed": P}.
"""
import json
import os
import queue
import shlex
import subprocess
import sys
import threading
import time


class Repl:
    def __init__(self, argv):
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        bufsize=0)
        self.out = self.process.stdout
        self.buffer = b""

    def request(self, obj):
        self.process.stdin.write(json.dumps(obj).encode() + b"\n\n")
        while True:
            end = self.buffer.find(b"\n\n")
            if end >= 0:
                frame, self.buffer = self.buffer[:end], self.buffer[end + 2:]
                if frame.strip():
                    return json.loads(frame)
                continue
            chunk = os.read(self.out.fileno(), 1 << 16)
            if not chunk:
                raise RuntimeError("the REPL closed its output")
            self.buffer += chunk

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def has_error(answer):
    return any(m.get("severity") == "error" for m in answer.get("messages", []))


def worker(argv, jobs, counts, lock):
    repl = Repl(argv)
    base = repl.request({"cmd": ""})["env"]
    header = repl.request({"cmd": "set_option maxHeartbeats 400000\n", "env": base})["env"]
    passed = 0
    done = 0
    while True:
        item = jobs.get()
        if item is None:
            break
        name, statement, proof = item
        ref = f"ref_{os.getpid()}"
        reference = repl.request({"cmd": statement.replace(name, ref, 1).removesuffix("by\n")
                                  + " := sorry", "env": header})["env"]
        checked = repl.request({"cmd": statement + proof, "env": reference})
        closing = repl.request({"cmd": f"#print axioms {name}\nexample : (type_of% @{ref}) = "
                                       f"(type_of% @{name}) := _root_.rfl\n#eval \"nonce\"",
                                "env": checked["env"]})
        done += 1
        passed += not has_error(checked) and not has_error(closing)
    repl.close()
    with lock:
        counts["proofs"] += done
        counts["passed"] += passed


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    argv = shlex.split(sys.argv[1])
    workers = int(sys.argv[3])
    proofs = []
    with open(sys.argv[2]) as f:
        for line in f:
            row = json.loads(line)
            statement = row["formal_statement"]
            name = statement.split()[1]
            proofs.append((name, statement, row["proof"]))
    jobs = queue.Queue()
    counts = {"proofs": 0, "passed": 0}
    lock = threading.Lock()
    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(argv, jobs, counts, lock))
               for _ in range(workers)]
    for t in threads:
        t.start()
    for p in proofs:
        jobs.put(p)
    for _ in threads:
        jobs.put(None)
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    print(json.dumps({"proofs": counts["proofs"], "seconds": seconds,
                      "per_second": counts["proofs"] / seconds, "passed": counts["passed"]}))


if __name__ == "__main__":
    main()

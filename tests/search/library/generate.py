#!/usr/bin/env python3
"""Library task families: many tasks need the same long sub-proof, so a lemma pays.

Regenerate the committed files (deterministic: same output on every run):

    python3 tests/search/library/generate.py            # writes rules.json, tasks.jsonl, vocabulary.txt here
    python3 tests/search/library/generate.py --out DIR  # writes them into DIR instead
    python3 tests/search/library/generate.py --check    # exit 1 if the committed files differ
    python3 tests/search/library/generate.py --verify FAKE_REPL  # the proofs under the double's rules

rules.json is the `--tactic-rules` file of fake-repl (format: tests/fake-repl/README.md);
tasks.jsonl is a task set (one JSON object per line: name, split, header, formal_statement,
family, reference_proof); vocabulary.txt is a built-in policy vocabulary (`--vocabulary FILE`)
with the tactics the rules accept and a few they refuse. README.md describes the families.
"""

import argparse
import json
import os
import random
import sys

SEED = 20261215


def rule(note, goal, tactic, goals):
    return {"note": note, "goal": goal, "tactic": tactic, "goals": goals}


# The long sub-proof: `Chain n` takes five specific tactics, one per link.
CHAIN = ["unfold Chain", "apply link1_intro", "apply link2_intro", "apply link3_intro",
         "apply link4_base"]
# The sub-proof used by one task only: `Ring n` takes four.
RING = ["unfold Ring", "apply ring1_intro", "apply ring2_intro", "apply ring2_base"]

RULES = [
    rule("a conjunction splits into its two sides (the right one may be a conjunction again)",
         "(.+?) ∧ (.+)", "constructor", ["$1", "$2"]),
    rule("Chain 1/5: unfold", r"Chain (\S+)", CHAIN[0], ["Link1 $1"]),
    rule("Chain 2/5", r"Link1 (\S+)", CHAIN[1], ["Link2 $1"]),
    rule("Chain 3/5", r"Link2 (\S+)", CHAIN[2], ["Link3 $1"]),
    rule("Chain 4/5", r"Link3 (\S+)", CHAIN[3], ["Link4 $1"]),
    rule("Chain 5/5: the base case closes it", r"Link4 (\S+)", CHAIN[4], []),
    rule("Ring 1/4: unfold", r"Ring (\S+)", RING[0], ["Orb1 $1"]),
    rule("Ring 2/4", r"Orb1 (\S+)", RING[1], ["Orb2 $1"]),
    rule("Ring 3/4", r"Orb2 (\S+)", RING[2], ["Orb3 $1"]),
    rule("Ring 4/4: the base case closes it", r"Orb3 (\S+)", RING[3], []),
    rule("an equation whose two sides are the same text", r"(.+) = \1", "rfl", []),
    rule("an order fact over Nat variables", r"(?=.*[a-z])[a-z0-9_' +*()]+ (?:<|≤) [a-z0-9_' +*()]+",
         "omega", []),
]

VOCABULARY = CHAIN + RING + ["constructor", "rfl", "omega", "simp", "decide", "intro h", "exact h",
                             "assumption", "trivial"]

NAT_NAMES = ["a", "b", "c", "i", "j", "k", "m", "n", "t", "u", "v", "w", "x", "y", "z"]

# family: (conjunct kinds, train count, valid count)
FAMILIES = {
    "chain1": (["chain"], 8, 4),
    "chain2": (["chain", "chain"], 10, 5),
    "chain3": (["chain", "chain", "chain"], 4, 2),
    "ring1": (["ring"], 1, 0),
    "plain": (["plain"], 6, 3),
}


def proof_of(kind):
    return {"chain": CHAIN, "ring": RING}[kind]


def conjunct(rng, kind, names):
    if kind == "chain":
        return f"Chain {names.pop()}"
    if kind == "ring":
        return f"Ring {names.pop()}"
    x = names.pop()
    n = rng.randint(1, 9)
    if rng.random() < 0.5:
        return f"{x} + {n} = {x} + {n}", ["rfl"]
    return f"{x} < {x} + {n}", ["omega"]


def task(rng, name, family, split):
    kinds, _, _ = FAMILIES[family]
    names = rng.sample(NAT_NAMES, len(kinds))
    used = sorted(names)
    parts, tactics = [], []
    for i, kind in enumerate(kinds):
        if kind == "plain":
            text, steps = conjunct(rng, kind, names)
        else:
            text, steps = conjunct(rng, kind, names), proof_of(kind)
        parts.append(text)
        if i + 1 < len(kinds):
            tactics.append("constructor")
        tactics += steps
    statement = f"theorem {name} ({' '.join(used)} : Nat) : {' ∧ '.join(parts)} := by\n"
    return {
        "name": name,
        "split": split,
        "header": "",
        "formal_statement": statement,
        "family": family,
        "reference_proof": "\n".join("  " + t for t in tactics),
    }


def tasks(scale=1):
    rng = random.Random(SEED)
    plan = []
    for family, (_, train, valid) in FAMILIES.items():
        plan += [(family, "train")] * (train * scale) + [(family, "valid")] * (valid * scale)
    rng.shuffle(plan)
    return [task(rng, f"lfam_{i:04d}", family, split) for i, (family, split) in enumerate(plan, start=1)]


def files(scale=1):
    vocabulary = ("# The built-in policy's vocabulary for the library families (tasks.jsonl): the tactics\n"
                  "# the rules accept there, and a few that they refuse.\n" + "\n".join(VOCABULARY) + "\n")
    return {
        "rules.json": json.dumps(RULES, ensure_ascii=False, indent=2) + "\n",
        "tasks.jsonl": "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks(scale)),
        "vocabulary.txt": vocabulary,
    }


# A lemma of the form the library gives it (statement `theorem lib_<12 hex> (n : Nat) : Chain n`),
# proved by the rules: what `harness library grow` should lift from the chain tasks' proofs.
CHAIN_LEMMA = "theorem lib_0123456789ab (n : Nat) : Chain n := by\n" + "".join(f"  {t}\n" for t in CHAIN)


def lemma_proof(names):
    """The proof of `Chain x ∧ Chain y ∧ ...` with the chain lemma: constructor before every
    conjunct but the last, `exact lib_... x` for each."""
    lines = []
    for i, name in enumerate(names):
        if i + 1 < len(names):
            lines.append("constructor")
        lines.append(f"exact lib_0123456789ab {name}")
    return "".join(f"  {line}\n" for line in lines)


def verify(fake_repl, directory):
    """Runs every reference proof whole under `fake_repl --tactic-rules rules.json`: each must
    pass, and fail without its last tactic; the chain lemma must pass, and with it declared
    first each chain task's short proof (`exact lib_… x` per conjunct) must pass and fail on
    the wrong variables. Returns problems."""
    import subprocess
    cases = []  # (label, command, should pass)
    for t in (json.loads(line) for line in open(os.path.join(directory, "tasks.jsonl"), encoding="utf-8")):
        cases.append((t["name"], t["formal_statement"] + t["reference_proof"] + "\n", True))
        cut = "\n".join(t["reference_proof"].split("\n")[:-1])
        if cut:
            cases.append((t["name"] + " without its last tactic", t["formal_statement"] + cut + "\n", False))
    cases.append(("the chain lemma", CHAIN_LEMMA, True))
    # With the lemma declared first (a library layer's declarations come before the proof), the
    # chain tasks' short proofs: what the built-in policy writes with the library.
    for t in (json.loads(line) for line in open(os.path.join(directory, "tasks.jsonl"), encoding="utf-8")):
        if not t["family"].startswith("chain"):
            continue
        names = [part.split()[1] for part in t["formal_statement"].split(") : ", 1)[1].split(" := ")[0].split(" ∧ ")]
        short = lemma_proof(names)
        cases.append((t["name"] + " with the lemma", CHAIN_LEMMA + "\n" + t["formal_statement"] + short, True))
        wrong = lemma_proof(names[1:] + names[:1]) if len(names) > 1 else "  exact lib_0123456789ab 0\n"
        cases.append((t["name"] + " with the lemma on the wrong variables",
                      CHAIN_LEMMA + "\n" + t["formal_statement"] + wrong, False))
    stdin = "".join(json.dumps({"cmd": command}) + "\n\n" for _, command, _ in cases)
    run = subprocess.run([fake_repl, "--tactic-rules", os.path.join(directory, "rules.json")],
                         input=stdin, capture_output=True, text=True, timeout=120)
    answers = [json.loads(a) for a in run.stdout.strip().split("\n\n") if a.strip()]
    if len(answers) != len(cases):
        return [f"{len(answers)} answers for {len(cases)} commands: {run.stderr[:300]}"]
    problems = []
    for (label, _, should_pass), answer in zip(cases, answers):
        errors = [m for m in answer.get("messages", []) if m.get("severity") == "error"]
        if should_pass == bool(errors):
            problems.append(f"{label}: {'refused' if errors else 'accepted'}: {errors[:1]}")
    return problems


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=here, help="directory to write into (default: here)")
    parser.add_argument("--check", action="store_true", help="compare with the files in --out instead")
    parser.add_argument("--verify", metavar="FAKE_REPL", help="run the proofs under the double's rules")
    parser.add_argument("--scale", type=int, default=1,
                        help="K times as many tasks of each family and split (default 1: the committed set)")
    args = parser.parse_args()
    if args.scale != 1 and (args.check or args.out == here):
        parser.error("--scale writes a larger set elsewhere: give --out DIR, without --check")
    if args.verify:
        problems = verify(args.verify, args.out)
        for p in problems:
            print(p)
        if problems:
            return 1
        print("library families: every reference proof passes under the rules, and fails cut short; "
              "with the chain lemma the short proofs pass, and fail on the wrong variables")
        return 0
    if args.check:
        stale = []
        for name, text in files().items():
            path = os.path.join(args.out, name)
            if not os.path.exists(path) or open(path, encoding="utf-8").read() != text:
                stale.append(name)
        if stale:
            print("generate.py output differs from the committed " + ", ".join(stale) +
                  ": run python3 tests/search/library/generate.py")
            return 1
        print("library families: the committed files are generate.py's output")
        return 0
    os.makedirs(args.out, exist_ok=True)
    for name, text in files(args.scale).items():
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as out:
            out.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

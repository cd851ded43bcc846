#!/usr/bin/env python3
"""Compositional task families: held-out tasks that need steps never seen together in training.

Regenerate both files (deterministic: same output on every run):

    python3 tests/search/compositional/generate.py            # writes rules.json and tasks.jsonl here
    python3 tests/search/compositional/generate.py --out DIR  # writes them into DIR instead

rules.json is the `--tactic-rules` file of fake-repl (format: tests/fake-repl/README.md);
tasks.jsonl is a task set (one JSON object per line: name, split, header, formal_statement,
family, reference_proof). README.md next to this script describes the families and splits.
"""

import argparse
import json
import os
import random

SEED = 20261205

# Regex pieces. Targets are matched byte-wise (UTF-8), so "no arrow" is a lookahead.
NO_ARROW = "(?:(?! → ).)"
NO_OR_ARROW = "(?:(?! ∨ | → ).)"


def rule(note, goal, tactic, goals):
    return {"note": note, "goal": goal, "tactic": tactic, "goals": goals}


# Four step kinds, each a goal shape that exactly one tactic advances:
#   A  `X → REST`          intro h   → REST, with h : X among the hypotheses
#   C  `REST ∨ Y`          left      → REST
#   B  `E = E`             rfl       closes it
#   D  an order fact       omega     closes it
RULES = [
    rule("A: intro h assumes the premise of an implication", f"({NO_ARROW}+) → (.+)", "intro h",
         ["$HYPS\nh : $1\n⊢ $2"]),
    rule("C: left keeps the left side of a disjunction",
         f"({NO_OR_ARROW}+) ∨ ({NO_OR_ARROW}+)", "left", ["$1"]),
    rule("B: rfl closes an equation whose two sides are the same text",
         f"({NO_OR_ARROW}+) = \\1", "rfl", []),
    rule("D: omega closes an order fact over Nat variables",
         r"(?=.*[a-z])[a-z0-9_' +*()]+ (?:<|≤) [a-z0-9_' +*()]+", "omega", []),
]

NAT_NAMES = ["a", "b", "c", "i", "j", "k", "m", "n", "t", "u", "v", "w", "x", "y", "z"]
PROP_NAMES = ["p", "q", "r", "s", "A", "B", "P", "Q", "R", "S"]
FUN_NAMES = ["f", "g", "F", "G", "φ", "ψ"]
HYP_NAMES = ["ha", "hb", "hq", "hr", "hx", "hy", "H1", "H2", "hk", "hm"]

# Families: (first step, second step). Training families give the train and valid splits;
# the compose families recombine their steps and are held out as the compose split.
FAMILIES = {
    "intro_rfl": ("A", "B"),
    "left_omega": ("C", "D"),
    "intro_omega": ("A", "D"),
    "left_rfl": ("C", "B"),
}
TRAIN_FAMILIES = ["intro_rfl", "left_omega"]
COMPOSE_FAMILIES = ["intro_omega", "left_rfl"]
TRAIN_PER_FAMILY = 24
VALID_PER_FAMILY = 6
COMPOSE_PER_FAMILY = 12
TACTIC = {"A": "intro h", "B": "rfl", "C": "left", "D": "omega"}


class Scope:
    """The variables a statement uses, declared as binders in a shuffled order."""

    def __init__(self, rng):
        self.rng = rng
        self.nats = []
        self.props = []
        self.funs = []

    def nat(self):
        name = self.rng.choice([n for n in NAT_NAMES if n not in self.nats])
        self.nats.append(name)
        return name

    def prop(self):
        name = self.rng.choice([n for n in PROP_NAMES if n not in self.props])
        self.props.append(name)
        return name

    def fun(self):
        name = self.rng.choice([n for n in FUN_NAMES if n not in self.funs])
        self.funs.append(name)
        return name


def same_sides(rng, scope):  # B: E = E
    x = scope.nat()
    n = rng.randint(1, 9)
    forms = [
        lambda: f"{x} + {n}",
        lambda: f"{n} * {x}",
        lambda: f"{scope.fun()} ({x} + {n})",
        lambda: f"{x} * {scope.nat()} + {n}",
        lambda: f"{scope.fun()} {x}",
    ]
    e = rng.choice(forms)()
    return f"{e} = {e}"


def order_fact(rng, scope):  # D: true over Nat for every value of the variables
    x = scope.nat()
    n = rng.randint(1, 9)
    forms = [
        lambda: f"{x} < {x} + {n}",
        lambda: f"{x} ≤ {x} + {n}",
        lambda: f"{x} ≤ {n + 1} * {x}",
        lambda: f"{n} * {x} ≤ {n + rng.randint(1, 5)} * {x}",
    ]
    if rng.random() < 0.3:
        y = scope.nat()
        return f"{x} + {y} < {x} + {y} + {n}"
    return rng.choice(forms)()


def atom(rng, scope):  # the premise of A and the right side of C
    if rng.random() < 0.5:
        return scope.prop()
    return f"{scope.nat()} = {rng.randint(0, 9)}"


def statement(rng, name, first, second):
    scope = Scope(rng)
    rest = same_sides(rng, scope) if second == "B" else order_fact(rng, scope)
    if first == "A":
        target = f"{atom(rng, scope)} → {rest}"
    else:
        target = f"{rest} ∨ {atom(rng, scope)}"
    # Distracting hypotheses (never named h), in both kinds of first step.
    hyps = []
    for hname in rng.sample(HYP_NAMES, rng.randint(0, 2)):
        hyps.append(f"({hname} : {atom(rng, scope)})")
    binders = []
    if scope.nats:
        binders.append(f"({' '.join(scope.nats)} : Nat)")
    if scope.props:
        binders.append(f"({' '.join(scope.props)} : Prop)")
    for f in scope.funs:
        binders.append(f"({f} : Nat → Nat)")
    rng.shuffle(binders)
    binders += hyps
    return f"theorem {name} {' '.join(binders)} : {target} := by\n"


def tasks():
    rng = random.Random(SEED)
    plan = []
    for family in TRAIN_FAMILIES:
        plan += [(family, "train")] * TRAIN_PER_FAMILY + [(family, "valid")] * VALID_PER_FAMILY
    for family in COMPOSE_FAMILIES:
        plan += [(family, "compose")] * COMPOSE_PER_FAMILY
    rng.shuffle(plan)
    out = []
    for index, (family, split) in enumerate(plan, start=1):
        name = f"cmp_{index:04d}"
        first, second = FAMILIES[family]
        out.append({
            "name": name,
            "split": split,
            "header": "",
            "formal_statement": statement(rng, name, first, second),
            "family": family,
            "reference_proof": f"  {TACTIC[first]}\n  {TACTIC[second]}",
        })
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=here, help="directory to write into (default: here)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "rules.json"), "w", encoding="utf-8") as out:
        out.write(json.dumps(RULES, ensure_ascii=False, indent=2) + "\n")
    with open(os.path.join(args.out, "tasks.jsonl"), "w", encoding="utf-8") as out:
        for task in tasks():
            out.write(json.dumps(task, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

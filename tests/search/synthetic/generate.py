#!/usr/bin/env python3
"""Synthetic task families for proof search and the RL loop under fake-repl's rules mode.

Regenerate both files (deterministic: same output on every run):

    python3 tests/search/synthetic/generate.py            # writes rules.json and tasks.jsonl here
    python3 tests/search/synthetic/generate.py --out DIR  # writes them into DIR instead

rules.json is the `--tactic-rules` file of fake-repl (format: tests/fake-repl/README.md);
tasks.jsonl is a task set (one JSON object per line: name, split, header, formal_statement,
family, reference_proof); revision_tasks.jsonl is a second task set, for revisions (two-step
families whose first step is shared and whose second step the goal's shape hardly tells).
README.md next to this script describes the families.
"""

import argparse
import json
import os
import random

SEED = 20250622
PER_FAMILY = 15
VALID_PER_FAMILY = 3  # 4:1 train:valid within each family

# Regex pieces. Targets are matched byte-wise (UTF-8), so "not an arrow" is a lookahead, not a
# character class.
NO_ARROW = "(?:(?! → ).)"
NO_AND_ARROW = "(?:(?! ∧ | → ).)"
NO_OR_ARROW = "(?:(?! ∨ | → ).)"
NO_AND = "(?:(?! ∧ ).)"


def rule(note, goal, tactic, goals, hyp=None):
    r = {"note": note, "goal": goal, "tactic": tactic, "goals": goals}
    if hyp is not None:
        r["hyp"] = hyp
    return r


RULES = [
    rule("rfl closes an equation whose two sides are the same text", r"(.+) = \1", "rfl", []),
    rule("trivial closes True", "True", "trivial", []),
    rule("decide closes a closed numeral fact (no variables)",
         r"[0-9 +*^%/()-]+ (?:=|≠|<|≤) [0-9 +*^%/()-]+", "decide", []),
    rule("omega closes an order fact over Nat variables",
         r"(?=.*[a-z])[a-z0-9_' +*()]+ (?:<|≤) [a-z0-9_' +*()]+", "omega", []),
    rule("simp closes a Bool identity", r".*(?:&&|\|\||!).* = .*", "simp", []),
    rule("assumption closes a goal that some hypothesis states", "(.+)", "assumption", [],
         hyp=r"\S+ : $1"),
    rule("exact h closes a goal that h states", "(.+)", "exact h", [], hyp="h : $1"),
    rule("exact h.1 closes the left conjunct of h", f"({NO_AND}+)", "exact h.1", [],
         hyp="h : $1 ∧ .+"),
    rule("exact h.2 closes the right conjunct of h", "(.+)", "exact h.2", [],
         hyp=f"h : {NO_AND}+ ∧ $1"),
    rule("the anonymous constructor swaps the conjuncts of h",
         f"({NO_AND_ARROW}+) ∧ ({NO_ARROW}+)", "exact ⟨h.2, h.1⟩", [], hyp="h : $2 ∧ $1"),
    rule("constructor splits a conjunction", f"({NO_AND_ARROW}+) ∧ ({NO_ARROW}+)", "constructor",
         ["case left\n$HYPS\n⊢ $1", "case right\n$HYPS\n⊢ $2"]),
    rule("intro h assumes the premise of an implication", f"({NO_ARROW}+) → (.+)", "intro h",
         ["$HYPS\nh : $1\n⊢ $2"]),
    rule("intro h assumes the proposition a negation denies", "¬(.+)", "intro h",
         ["$HYPS\nh : $1\n⊢ False"]),
    rule("left keeps the left disjunct", f"({NO_OR_ARROW}+) ∨ ({NO_ARROW}+)", "left",
         ["case h\n$HYPS\n⊢ $1"]),
    rule("right keeps the right disjunct", f"({NO_OR_ARROW}+) ∨ ({NO_ARROW}+)", "right",
         ["case h\n$HYPS\n⊢ $2"]),
    rule("contradiction closes any goal under a hypothesis False", ".+", "contradiction", [],
         hyp=r"\S+ : False"),
]

NAT_VARS = ["a", "b", "c", "d", "m", "n", "k", "x", "y", "z", "u", "v", "w", "i", "j", "t"]
PROPS = ["p", "q", "r", "s", "P", "Q", "R", "S", "A", "B", "C", "D"]
BOOLS = ["b", "c", "x", "y", "flag", "ok", "bit", "u", "v", "e"]
LISTS = ["xs", "ys", "zs", "l", "l₁", "l₂", "ws", "ns"]
FUNS = ["f", "g", "φ", "F", "G"]
HYP_NAMES = ["hp", "hq", "hx", "hy", "h1", "h2", "h3", "ha", "hb", "hab", "hxy", "hk", "hn",
             "hlt", "hle", "hmain", "H", "H1", "H2", "hfact", "hv", "hw"]


def binders(groups):
    """[(names, type)] -> "(a b : Nat) (h : p)" with one group per entry."""
    return " ".join(f"({' '.join(names)} : {type_})" for names, type_ in groups)


def pick(rng, pool, n):
    return rng.sample(pool, n)


def nat_expr(rng, names, depth):
    if depth == 0 or rng.random() < 0.3:
        return rng.choice(names) if rng.random() < 0.8 else str(rng.randint(1, 9))
    op = rng.choice(["+", "*", "+"])
    left = nat_expr(rng, names, depth - 1)
    right = nat_expr(rng, names, depth - 1)
    if op == "*" and " + " in left:
        left = f"({left})"
    if op == "*" and " + " in right:
        right = f"({right})"
    if op == "+" and right.count(" ") and " + " in right:
        right = f"({right})"
    return f"{left} {op} {right}"


def with_variable(rng, names, depth):
    while True:
        e = nat_expr(rng, names, depth)
        if any(ch.isalpha() for ch in e):
            return e


def distractor_hyps(rng, hyp_names, facts, count):
    """count hypotheses named from hyp_names stating facts (distinct types)."""
    chosen = rng.sample(facts, min(count, len(facts)))
    return [([hyp_names.pop()], fact) for fact in chosen]


# Each family maker returns (binder groups, target); the reference proof is the family's.
def eq_refl(rng):
    kind = rng.choice(["nat", "nat", "list", "fun"])
    if kind == "nat":
        names = pick(rng, NAT_VARS, rng.randint(1, 3))
        e = with_variable(rng, names, rng.randint(1, 3))
        used = [n for n in names if n in e.replace("(", " ").replace(")", " ").split()]
        groups = [(used, "Nat")]
    elif kind == "list":
        names = pick(rng, LISTS, rng.randint(1, 3))
        e = " ++ ".join(names)
        e = rng.choice([e, f"({e}).length", f"({e}).reverse"]) if len(names) > 1 else rng.choice(
            [f"{e}.length", f"{e}.reverse", f"{e} ++ []"])
        groups = [(names, "List Nat")]
    else:
        fn = rng.choice(FUNS)
        names = pick(rng, NAT_VARS, rng.randint(1, 2))
        arg = with_variable(rng, names, rng.randint(1, 2))
        e = f"{fn} ({arg})" if " " in arg else f"{fn} {arg}"
        used = [n for n in names if n in e.replace("(", " ").replace(")", " ").split()]
        groups = [([fn], "Nat → Nat"), (used, "Nat")]
    return groups, f"{e} = {e}"


def nat_order(rng):
    a, b, c = pick(rng, NAT_VARS, 3)
    k = rng.randint(1, 9)
    hyp_names = pick(rng, HYP_NAMES, 3)
    shape = rng.randrange(6)
    if shape == 0:
        return [([a], "Nat")], f"{a} < {a} + {k}"
    if shape == 1:
        return [([a, b], "Nat")], f"{a} ≤ {a} + {b}"
    if shape == 2:
        return [([a, b], "Nat"), ([hyp_names[0]], f"{a} < {b}")], f"{a} + 1 ≤ {b}"
    if shape == 3:
        hyps = [([hyp_names[0]], f"{a} ≤ {b}"), ([hyp_names[1]], f"{b} ≤ {c}")]
        return [([a, b, c], "Nat")] + hyps, f"{a} ≤ {c} + {k}"
    if shape == 4:
        return [([a, b], "Nat"), ([hyp_names[0]], f"{a} < {b}")], f"{a} < {b} + {k}"
    return [([a], "Nat")], f"{k} * {a} ≤ {k + rng.randint(1, 5)} * {a}"


def closed_arith(rng):
    shape = rng.randrange(7)
    x, y = rng.randint(2, 12), rng.randint(2, 12)
    if shape == 0:
        return [], f"{x} * {y} = {x * y}"
    if shape == 1:
        e = rng.randint(2, 8)
        base = rng.randint(2, 3)
        return [], f"{base} ^ {e} = {base ** e}"
    if shape == 2:
        big = rng.randint(20, 99)
        return [], f"{big} % {x} = {big % x}"
    if shape == 3:
        return [], f"{x} + {y} < {x + y + rng.randint(1, 9)}"
    if shape == 4:
        return [], f"{x + y - rng.randint(0, 3)} ≤ {x} + {y}"
    if shape == 5:
        z = rng.randint(1, 9)
        return [], f"({x} + {y}) * {z} = {(x + y) * z}"
    big = rng.randint(30, 200)
    return [], f"{big} / {x} = {big // x}"


BOOL_SHAPES = [
    ("({0} && true) = {0}", 1), ("(true && {0}) = {0}", 1), ("({0} || false) = {0}", 1),
    ("(false || {0}) = {0}", 1), ("({0} && false) = false", 1), ("(false && {0}) = false", 1),
    ("({0} || true) = true", 1), ("(true || {0}) = true", 1), ("(!!{0}) = {0}", 1),
    ("({0} && {0}) = {0}", 1), ("({0} || {0}) = {0}", 1), ("({0} && !{0}) = false", 1),
    ("({0} || !{0}) = true", 1), ("({0} && true || {1}) = ({0} || {1})", 2),
    ("({0} && ({1} || false)) = ({0} && {1})", 2), ("(false || {0} && {1}) = ({0} && {1})", 2),
]


def bool_simp(rng):
    shape, arity = rng.choice(BOOL_SHAPES)
    names = pick(rng, BOOLS, arity)
    return [(names, "Bool")], shape.format(*names)


def prop_or_equation(rng, props, nats):
    """An atomic proposition: a Prop variable, or an equation between distinct Nat variables."""
    if rng.random() < 0.6:
        return props.pop(), None
    a, b = nats.pop(), nats.pop()
    rhs = rng.choice([b, f"{b} + {rng.randint(1, 9)}", f"{rng.randint(2, 5)} * {b}"])
    return f"{a} = {rhs}", [a, b]


def atoms(rng, count):
    """count distinct atomic propositions and the binders they need."""
    props = pick(rng, PROPS, count + 2)
    nats = pick(rng, NAT_VARS, 2 * count + 2)
    out, prop_vars, nat_vars = [], [], []
    for _ in range(count):
        text, used = prop_or_equation(rng, props, nats)
        out.append(text)
        if used is None:
            prop_vars.append(text)
        else:
            nat_vars.extend(used)
    groups = []
    if prop_vars:
        groups.append((prop_vars, "Prop"))
    if nat_vars:
        groups.append((nat_vars, "Nat"))
    return out, groups


def hyp_goal(rng):
    facts, groups = atoms(rng, rng.randint(2, 4))
    names = pick(rng, HYP_NAMES, len(facts))
    hyps = [([n], f) for n, f in zip(names, facts)]
    rng.shuffle(hyps)
    return groups + hyps, rng.choice(facts)


def and_intro(rng):
    facts, groups = atoms(rng, rng.randint(2, 4))
    names = pick(rng, HYP_NAMES, len(facts))
    hyps = [([n], f) for n, f in zip(names, facts)]
    rng.shuffle(hyps)
    left, right = rng.sample(facts, 2)
    return groups + hyps, f"{left} ∧ {right}"


def imp_self(rng):
    facts, groups = atoms(rng, rng.randint(1, 2))
    target = facts[0]
    if rng.random() < 0.5 and " = " not in target:
        target = f"¬{target}"
    extra = []
    if len(facts) > 1:
        extra = [([rng.choice(HYP_NAMES)], facts[1])]
    return groups + extra, f"{target} → {target}"


def and_swap(rng):
    facts, groups = atoms(rng, 2)
    return groups, f"{facts[0]} ∧ {facts[1]} → {facts[1]} ∧ {facts[0]}"


def or_left(rng):
    facts, groups = atoms(rng, rng.randint(2, 3))
    names = pick(rng, HYP_NAMES, 2)
    hyps = [([names[0]], facts[0])]
    if len(facts) > 2:
        hyps.append(([names[1]], facts[2]))
        rng.shuffle(hyps)
    return groups + hyps, f"{facts[0]} ∨ {facts[1]}"


def false_elim(rng):
    facts, groups = atoms(rng, rng.randint(1, 2))
    names = pick(rng, HYP_NAMES, 2)
    hyps = [([names[0]], "False")]
    if len(facts) > 1:
        hyps.append(([names[1]], facts[1]))
        rng.shuffle(hyps)
    return groups + hyps, facts[0]


FAMILIES = [
    ("eq_refl", eq_refl, ["rfl"]),
    ("nat_order", nat_order, ["omega"]),
    ("closed_arith", closed_arith, ["decide"]),
    ("bool_simp", bool_simp, ["simp"]),
    ("hyp_goal", hyp_goal, ["assumption"]),
    ("and_intro", and_intro, ["constructor", "assumption", "assumption"]),
    ("imp_self", imp_self, ["intro h", "exact h"]),
    ("and_swap", and_swap, ["intro h", "exact ⟨h.2, h.1⟩"]),
    ("or_left", or_left, ["left", "assumption"]),
    ("false_elim", false_elim, ["contradiction"]),
]


def generate():
    rng = random.Random(SEED)
    drafts = []
    for family, make, proof in FAMILIES:
        seen = set()
        made = []
        while len(made) < PER_FAMILY:
            groups, target = make(rng)
            signature = f"{binders(groups)} : {target}".strip()
            if signature in seen:
                continue
            seen.add(signature)
            made.append(signature)
        valid = set(rng.sample(range(PER_FAMILY), VALID_PER_FAMILY))
        for i, signature in enumerate(made):
            drafts.append((family, signature, "valid" if i in valid else "train", proof))
    rng.shuffle(drafts)
    tasks = []
    for number, (family, signature, split, proof) in enumerate(drafts, start=1):
        name = f"syn_{number:04d}"
        head = f"theorem {name} {signature}"
        tasks.append({
            "name": name,
            "split": split,
            "header": "",
            "formal_statement": f"{head} := by\n",
            "family": family,
            "reference_proof": "\n".join("  " + step for step in proof),
        })
    return tasks


# The revision families (revision_tasks.jsonl): `intro h` first, then the conjunct the target
# names. Their own seed and generator, so tasks.jsonl does not change with them.
REVISION_SEED = 20261205
REVISION_PER_FAMILY = 20
REVISION_VALID_PER_FAMILY = 4


def and_left_imp(rng):
    facts, groups = atoms(rng, 2)
    return groups, f"{facts[0]} ∧ {facts[1]} → {facts[0]}"


def and_right_imp(rng):
    facts, groups = atoms(rng, 2)
    return groups, f"{facts[0]} ∧ {facts[1]} → {facts[1]}"


REVISION_FAMILIES = [
    ("and_left_imp", and_left_imp, ["intro h", "exact h.1"]),
    ("and_right_imp", and_right_imp, ["intro h", "exact h.2"]),
]


def generate_revision_tasks():
    rng = random.Random(REVISION_SEED)
    drafts = []
    for family, make, proof in REVISION_FAMILIES:
        seen = set()
        made = []
        while len(made) < REVISION_PER_FAMILY:
            groups, target = make(rng)
            signature = f"{binders(groups)} : {target}".strip()
            if signature in seen:
                continue
            seen.add(signature)
            made.append(signature)
        valid = set(rng.sample(range(REVISION_PER_FAMILY), REVISION_VALID_PER_FAMILY))
        for i, signature in enumerate(made):
            drafts.append((family, signature, "valid" if i in valid else "train", proof))
    rng.shuffle(drafts)
    tasks = []
    for number, (family, signature, split, proof) in enumerate(drafts, start=1):
        name = f"rev_{number:04d}"
        tasks.append({
            "name": name,
            "split": split,
            "header": "",
            "formal_statement": f"theorem {name} {signature} := by\n",
            "family": family,
            "reference_proof": "\n".join("  " + step for step in proof),
        })
    return tasks


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=here,
                        help="folder to write rules.json, tasks.jsonl and revision_tasks.jsonl")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "rules.json"), "w", encoding="utf-8") as out:
        out.write(json.dumps(RULES, ensure_ascii=False, indent=2) + "\n")
    with open(os.path.join(args.out, "tasks.jsonl"), "w", encoding="utf-8") as out:
        for task in generate():
            out.write(json.dumps(task, ensure_ascii=False) + "\n")
    with open(os.path.join(args.out, "revision_tasks.jsonl"), "w", encoding="utf-8") as out:
        for task in generate_revision_tasks():
            out.write(json.dumps(task, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

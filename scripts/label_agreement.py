#!/usr/bin/env python3
"""How far independent labellers of one extraction set agree, and the set's majority labels.

    scripts/label_agreement.py SET.jsonl RELABEL.jsonl [RELABEL.jsonl ...] [--majority OUT.jsonl]

SET is a labelled extraction set (crates/smsflow-agent/tests/data/extraction/README.md, "Format");
each RELABEL holds the same cases labelled again by someone who saw only their fields and turns
(its `expected` is read; anything else in it is ignored). Prints, per field type and language and
overall, the F1 of every pair of labellers against each other, scored as `smsflow extract --score`
scores a reader: per field asked, equal values are a true positive, a value the other lacks or
gives differently a false positive, and the other's value a false negative. The F1 of two labellers
is symmetric, and it bounds what any reader can score against one of them where they disagree.

--majority writes SET with each `expected` value replaced by the one most labellers gave (no value
being one of the answers), SET's own where no answer has a majority.
"""

import argparse
import json
import sys
from collections import Counter, defaultdict


def read(path):
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def f1(tp, fp, fn):
    return 1.0 if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set", help="the labelled set")
    parser.add_argument("relabels", nargs="+", help="the same cases labelled again")
    parser.add_argument("--majority", metavar="OUT", help="write the majority labels here")
    args = parser.parse_args()

    cases = read(args.set)
    labellers = [("set", {case["id"]: case for case in cases})]
    for path in args.relabels:
        relabelled = {case["id"]: case for case in read(path)}
        missing = [case["id"] for case in cases if case["id"] not in relabelled]
        if missing:
            sys.exit(f"{path} lacks {len(missing)} of the set's cases (e.g. {missing[0]}): relabel them all")
        labellers.append((path, relabelled))

    # (type, language) -> pair -> [tp, fp, fn]
    counts = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    changed = 0
    for case in cases:
        answers = {}
        for field in case["fields"]:
            name = field["name"]
            given = [labels[case["id"]].get("expected", {}).get(name) for _, labels in labellers]
            given = [value.strip() if isinstance(value, str) else value for value in given]
            answers[name] = given
            for first in range(len(given)):
                for second in range(first + 1, len(given)):
                    a, b = given[first], given[second]
                    tally = [0, 0, 0]
                    if a is not None and a == b:
                        tally[0] = 1
                    else:
                        tally[1] = int(a is not None)
                        tally[2] = int(b is not None)
                    for key in (field["type"], "lang " + case["lang"], "all"):
                        pair = counts[key][(first, second)]
                        for i in range(3):
                            pair[i] += tally[i]
        if args.majority:
            expected = {}
            for name, given in answers.items():
                value, votes = Counter(given).most_common(1)[0]
                if votes * 2 <= len(given):
                    value = given[0]
                if value != given[0]:
                    changed += 1
                if value is not None:
                    expected[name] = value
            case["expected"] = expected

    names = [name for name, _ in labellers]
    pairs = [(a, b) for a in range(len(names)) for b in range(a + 1, len(names))]
    print("labellers: " + ", ".join(f"{i}={name}" for i, name in enumerate(names)))
    print(f"{'':<14}" + "".join(f"{f'{a}~{b}':>8}" for a, b in pairs))
    for key in sorted(counts, key=lambda k: (k == "all", k.startswith("lang"), k)):
        print(f"{key:<14}" + "".join(f"{f1(*counts[key][pair]):>8.3f}" for pair in pairs))
    if args.majority:
        with open(args.majority, "w", encoding="utf-8") as out:
            for case in cases:
                out.write(json.dumps(case, ensure_ascii=False) + "\n")
        print(f"majority labels: {args.majority} ({changed} values differ from the set's)")


if __name__ == "__main__":
    main()

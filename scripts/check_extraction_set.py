#!/usr/bin/env python3
"""Check a labelled extraction set against the Format and Normalisation rules of
crates/smsflow-agent/tests/data/extraction/README.md: keys, field types, normalised values (email,
phone, date, time, datetime, number, choice) and rejected values written as typed. A name, text or
address, email or phone number that is not written word for word in the turns is a WARNING
(check it is as said, without the words around it); everything else is an ERROR.

    scripts/check_extraction_set.py SET.jsonl [--blind]

--blind also checks a blind writer's counts: 200 cases, 80 en / 100 es / 20 mixed.
Exits 1 when any ERROR is printed.
"""

import argparse
import collections
import datetime
import json
import re
import sys

TYPES = {"text", "name", "email", "phone", "date", "time", "datetime", "number", "choice", "address"}
KEYS = ("id", "lang", "country", "timezone", "now", "fields", "turns", "expected")
OPTIONAL_KEYS = ("rejected",)
BLIND_LANGUAGES = {"en": 80, "es": 100, "mixed": 20}


def folded(text):
    return re.sub(r"\s+", " ", text.lower())


def is_date(value):
    if not re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        return False
    try:
        datetime.date.fromisoformat(value)
        return True
    except ValueError:
        return False


def has_its_form(kind, value, field):
    """Whether an expected value has its type's normalised form."""
    if kind == "email":
        shape = r"[^@\s,]+@[^@\s,]+\.[^@\s,]+"
        return value == value.lower() and re.fullmatch(shape, value) is not None
    if kind == "phone":
        return re.fullmatch(r"\+\d{8,15}", value) is not None
    if kind == "date":
        return is_date(value)
    if kind == "time":
        return re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value) is not None
    if kind == "datetime":
        date, _, time = value.partition("T")
        return is_date(date) and has_its_form("time", time, field)
    if kind == "number":
        return re.fullmatch(r"-?\d+(\.\d+)?", value) is not None
    if kind == "choice":
        return value in field.get("choices", [])
    return True


def written_in(kind, value, said, digits_said):
    """Whether a value copied from the text is in it: an email or a phone number may be said in
    words ("sbrooks at gmail dot com") or corrected in parts, so this only warns."""
    if kind == "email":
        return value in said
    if kind == "phone":
        # National forms drop and add digits (a trunk 0, Argentina's 9 and 15).
        return value[-6:] in digits_said
    if kind in ("name", "text", "address"):
        return folded(value) in said
    return True


def check_case(case, report):
    for key in KEYS:
        if key not in case:
            report.error(f"missing key {key}")
    unknown = set(case) - set(KEYS) - set(OPTIONAL_KEYS)
    if unknown:
        report.error(f"unknown keys {sorted(unknown)}")
    if case.get("lang") not in BLIND_LANGUAGES:
        report.error(f"lang {case.get('lang')!r} is not en, es or mixed")
    try:
        datetime.datetime.strptime(case.get("now", ""), "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        report.error("now must be YYYY-MM-DDTHH:MM:SS")
    turns = case.get("turns")
    if not isinstance(turns, list) or not turns or not all(
        isinstance(turn, str) and turn.strip() for turn in turns
    ):
        report.error("turns must be a non-empty list of non-empty strings")
        turns = []
    fields = {}
    for field in case.get("fields", []):
        name = field.get("name")
        if field.get("type") not in TYPES:
            report.error(f"field {name}: type {field.get('type')!r} is unknown")
        if name in fields:
            report.error(f"field {name} is asked twice")
        fields[name] = field
        if field.get("type") == "choice" and not (
            isinstance(field.get("choices"), list) and len(field["choices"]) >= 2
        ):
            report.error(f"choice field {name} needs a list of choices")
    said = folded(" ".join(turns))
    digits_said = re.sub(r"\D", "", said)
    expected = case.get("expected", {})
    for name, value in (case.get("rejected") or {}).items():
        if name not in fields:
            report.error(f"rejected names {name}, which is not a field")
        elif not isinstance(value, str) or folded(value) not in said:
            report.error(f"rejected.{name} {value!r} is not written in the turns as typed")
        elif expected.get(name) == value:
            report.error(f"{name}: the rejected value is also the expected one")
    for name, value in expected.items():
        if name not in fields:
            report.error(f"expected names {name}, which is not a field")
            continue
        if not isinstance(value, str) or not value.strip():
            report.error(f"expected.{name} must be a non-empty string")
            continue
        kind = fields[name].get("type")
        if not has_its_form(kind, value, fields[name]):
            report.error(f"expected.{name} = {value!r} does not follow the {kind} rule")
        elif not written_in(kind, value, said, digits_said):
            report.warning(f"expected.{name} = {value!r} is not written word for word in the "
                           "turns: check it is as said, without the words around it")


class Report:
    def __init__(self):
        self.errors, self.warnings, self.where = [], [], ""

    def error(self, message):
        self.errors.append(f"{self.where}{message}")

    def warning(self, message):
        self.warnings.append(f"{self.where}{message}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set", help="a labelled extraction set (.jsonl)")
    parser.add_argument("--blind", action="store_true", help="also check a blind writer's counts")
    args = parser.parse_args()
    report, cases = Report(), []
    with open(args.set, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            report.where = f"line {number}: "
            if not line.strip():
                report.error("empty line")
                continue
            try:
                cases.append((number, json.loads(line)))
            except json.JSONDecodeError as error:
                report.error(f"not JSON: {error}")
    for number, case in cases:
        report.where = f"line {number} ({case.get('id')}): "
        check_case(case, report)
    report.where = ""
    for case_id, times in collections.Counter(case.get("id") for _, case in cases).items():
        if times > 1:
            report.error(f"id {case_id} is used {times} times")
    languages = collections.Counter(case.get("lang") for _, case in cases)
    if args.blind and len(cases) != 200:
        report.error(f"{len(cases)} cases: a blind set has 200")
    if args.blind and dict(languages) != BLIND_LANGUAGES:
        report.error(f"languages {dict(languages)}: a blind set has {BLIND_LANGUAGES}")
    kinds = collections.Counter(
        next((field["type"] for field in case.get("fields", []) if field.get("name") == name), "?")
        for _, case in cases
        for name in case.get("expected", {})
    )
    print(f"{len(cases)} cases, {sum(kinds.values())} expected values; languages "
          f"{dict(languages)}; types {dict(kinds)}; "
          f"{sum(1 for _, case in cases if case.get('rejected'))} with a rejected value")
    for warning in report.warnings:
        print("WARNING", warning)
    for error in report.errors:
        print("ERROR", error)
    print("OK" if not report.errors else f"{len(report.errors)} errors")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())

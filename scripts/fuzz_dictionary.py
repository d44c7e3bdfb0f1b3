#!/usr/bin/env python3
"""Writes a libFuzzer dictionary of the string literals in Rust sources (test modules and comments
left out): the words the extractors, matcher and parsers react to ("half past", "ciento", "de la
tarde"), so the fuzzer puts them together in a minute where random bytes would take days.

    scripts/fuzz_dictionary.py OUT.dict DIR...    (scripts/fuzz.sh runs it before each run)
"""
import pathlib
import re
import sys

LITERAL = re.compile(r'"((?:[^"\\\n]|\\.){1,24})"')
# Words and short phrases as people text them; format strings and escapes are no use here.
TEXTLIKE = re.compile(r"[\w .,:;'/#@+\-&()$%¿¡?!]+")


def literals(source: str):
    source = source.split("#[cfg(test)]", 1)[0]
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("//"))
    for match in LITERAL.finditer(code):
        text = match.group(1)
        if text.strip() and TEXTLIKE.fullmatch(text):
            yield text


def entry(text: str) -> str:
    # libFuzzer reads printable ASCII as is and every other byte as \xNN.
    escaped = "".join(
        chr(byte) if 32 <= byte < 127 and byte not in (34, 92) else f"\\x{byte:02X}"
        for byte in text.encode("utf-8")
    )
    return f'"{escaped}"'


def main() -> None:
    out, dirs = sys.argv[1], sys.argv[2:]
    found = set()
    for directory in dirs:
        for path in sorted(pathlib.Path(directory).rglob("*.rs")):
            found.update(literals(path.read_text(encoding="utf-8")))
    pathlib.Path(out).write_text("".join(entry(text) + "\n" for text in sorted(found)))
    print(f"{out}: {len(found)} entries", file=sys.stderr)


if __name__ == "__main__":
    main()

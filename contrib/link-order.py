#!/usr/bin/python3
"""Writes the link order of cairn's release binary (contrib/link-order.txt) from callgrind profiles.

usage: link-order.py BINARY PROFILE... > link-order.txt

The functions of BINARY each profile saw run, profile by profile in the order given, within one
the most instructions first, each function once: lld's --symbol-ordering-file lays them out in
that order at the front of .text, so the code of each phase (serving first, start-up last) sits
on few pages. Names BINARY defines more than once (merged local thunks such as `objectdestroyTm`,
one per object file) are left out: each would pull every section holding one to the front.
"""
import collections
import re
import sys

from binary_functions import defined_functions

binary, profiles = sys.argv[1], sys.argv[2:]

defined = collections.Counter(name for name, _ in defined_functions(binary))


def functions_run(profile):
    """Instructions per function of BINARY in one callgrind profile."""
    objects, functions = {}, {}
    cost = collections.Counter()
    current_object = current_function = None
    after_calls = False
    compressed = re.compile(r"^(ob|fn|cob|cfn)=\((\d+)\)(?: (.*))?$")
    for line in open(profile, encoding="utf-8", errors="replace"):
        match = compressed.match(line.rstrip("\n"))
        if match:
            kind, key, name = match.groups()
            table = objects if kind in ("ob", "cob") else functions
            if name is not None:
                table[key] = name
            if kind == "ob":
                current_object = objects[key]
            elif kind == "fn":
                current_function = (current_object, functions[key])
            continue
        if line.startswith("calls="):
            after_calls = True  # the next cost line is the call's inclusive cost, not the function's
            continue
        if line[:1].isdigit() or line[:1] in "+-*":
            if after_calls:
                after_calls = False
            elif current_function is not None:
                fields = line.split()
                if len(fields) >= 2:
                    cost[current_function] += int(fields[1])
    own = collections.Counter()
    for (obj, name), instructions in cost.items():
        if obj and obj.endswith("/cairn") and defined[name] == 1:
            own[name] += instructions
    return own


listed = set()
for profile in profiles:
    for name, _ in functions_run(profile).most_common():
        if name not in listed:
            listed.add(name)
            print(name)
print(f"{len(listed)} functions", file=sys.stderr)

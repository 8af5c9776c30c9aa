#!/usr/bin/python3
"""Checks that a release cairn was linked as Package.swift asks: packed relative relocations
(DT_RELR), a dynamic symbol table with only what shared libraries need (no exported Swift
symbols), libldns, libcrypto, SQLite, libstdc++, zlib and libgcc linked in, .rodata read-only, and the busiest functions of contrib/link-order.txt at the front of .text.

usage: check-link-layout.py BINARY [ORDER_FILE]

Exits 1 naming what is missing. A build directory whose objects were compiled before the release
flags changed (`-function-sections`) keeps whole files' code together and fails the second check:
remove .build/*/release and build again.
"""
import os
import re
import subprocess
import sys

from binary_functions import defined_functions

binary = sys.argv[1]
order_file = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "link-order.txt")
# The first functions of the list and the span of .text they must fit in. Together they take some
# tens of KiB, but C and C++ objects of the runtime (and the Swift standard library's merged
# functions) keep a whole file's code in one section, which moves with its first listed function:
# laid out in order they end within 2 MiB, in the compiler's order they spread over 25.
FIRST, SPAN = 200, 4 << 20
# The symbols the executable imports from shared libraries number some hundreds; exporting its own
# (swiftc's default) makes them some 58,000.
MAXIMUM_DYNAMIC_SYMBOLS = 5000

problems = []
dynamic = subprocess.run(["readelf", "-dW", binary], capture_output=True, text=True, check=True).stdout
for library in ("libldns", "libcrypto", "libsqlite3", "libstdc++", "libz", "libgcc_s"):
    if f"Shared library: [{library}." in dynamic:
        problems.append(f"{library} is linked as a shared library (release builds link it statically: see contrib/link-static)")
if "(RELR)" not in dynamic:
    problems.append("no DT_RELR: the relative relocations are not packed (not linked by lld with -z pack-relative-relocs)")
dynamic_symbols = subprocess.run(["readelf", "--dyn-syms", "-W", binary], capture_output=True, text=True,
                                 check=True).stdout
count = sum(1 for line in dynamic_symbols.splitlines() if re.match(r"\s*\d+:", line))
if count > MAXIMUM_DYNAMIC_SYMBOLS:
    problems.append(f"{count} dynamic symbols: the executable exports its own (not linked with --no-export-dynamic)")

text_start = None
for line in subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout.splitlines():
    match = re.match(r"\s*\[\s*\d+\]\s+\.text\s+\S+\s+([0-9a-f]+)", line)
    if match:
        text_start = int(match.group(1), 16)
    match = re.match(r"\s*\[\s*\d+\]\s+\.rodata\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+(\S+)", line)
    if match and "W" in match.group(1):
        problems.append(".rodata is writable (not linked with contrib/release-sections.lds)")
addresses = dict(defined_functions(binary))
with open(order_file) as names:
    first = [name.strip() for name, _ in zip(names, range(FIRST))]
placed = [addresses[name] - text_start for name in first if name in addresses]
if text_start is None or not placed:
    problems.append("no .text, or none of the listed functions in the binary")
elif max(placed) >= SPAN:
    problems.append(
        f"the first {FIRST} functions of {os.path.basename(order_file)} span {max(placed) / 2**20:.1f} MiB of .text"
        f" (at most {SPAN >> 20} MiB when laid out in order)")
if problems:
    print(f"{binary}: " + "; ".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"{os.path.basename(binary)}: DT_RELR, {count} dynamic symbols, only libc and libm shared, .rodata read-only, and the first {len(placed)} listed functions within "
      f"{max(placed) / 1024:.0f} KiB of the start of .text")

#!/usr/bin/env python3
"""Write the small synthetic seeds of fuzz/corpus/fuzz_lime_open/ (other-formats.md §3.1).

Usage: make_lime_seeds.py OUTDIR
"""
import struct
import sys

MAGIC, VERSION = 0x4C694D45, 1


def rng(start, data, version=VERSION, end=None):
    if end is None:
        end = start + len(data) - 1
    return struct.pack('<IIQQQ', MAGIC, version, start, end, 0) + data


def page(seed, n=4096):
    return bytes((seed + i) & 0xff for i in range(n))


SEEDS = {
    'one_page': rng(0, page(1)),
    'two_ranges_hole': rng(0, page(2)) + rng(0x10000, page(3, 8192)),
    'partial_pages': rng(0x1010, page(4, 0x100)) + rng(0x3000, page(5, 0x20)),
    'truncated_data': rng(0, page(6))[:1000],
    'descending': rng(0x4000, page(7)) + rng(0x1000, page(8)),
}

for name, blob in SEEDS.items():
    with open(f'{sys.argv[1]}/{name}', 'wb') as f:
        f.write(blob)

#!/usr/bin/env python3
"""Writes 1,000 made-up escrowed recovery keys for the collector benchmarks: CSV (the format
'keys import' takes) and the list of their key IDs (what get-key.lua asks for).
  make-keys.py KEYS.csv IDS.txt"""
import random
import sys
import uuid

csv, ids = open(sys.argv[1], "w"), open(sys.argv[2], "w")
csv.write("Hostname,KeyID,RecoveryKey\n")
for i in range(1000):
    g = str(uuid.uuid4()).upper()
    pw = "-".join("%06d" % (random.randrange(0, 65536) * 11) for _ in range(8))
    csv.write("BENCH-%d,{%s},%s\n" % (i, g, pw))
    ids.write(g + "\n")

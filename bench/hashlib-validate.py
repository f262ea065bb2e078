"""Stand-in for bagit-python's --validate when it is not installed: what its payload check does
(each manifest entry read in 512 KiB blocks through hashlib, in one process), nothing else.
Usage: hashlib-validate.py BAG_DIRECTORY"""
import hashlib
import os
import sys

bag = sys.argv[1]
failures = 0
for name in sorted(os.listdir(bag)):
    if not (name.startswith("manifest-") and name.endswith(".txt")):
        continue
    algorithm = name[len("manifest-") : -len(".txt")]
    with open(os.path.join(bag, name), encoding="utf-8") as manifest:
        for line in manifest:
            if not line.strip():
                continue
            checksum, path = line.rstrip("\r\n").split(None, 1)
            digest = hashlib.new(algorithm)
            with open(os.path.join(bag, path), "rb") as payload:
                while block := payload.read(512 * 1024):
                    digest.update(block)
            if digest.hexdigest() != checksum.lower():
                failures += 1
# bagit-python also walks the payload directory to find files no manifest lists.
for _ in os.walk(os.path.join(bag, "data")):
    pass
sys.exit(1 if failures else 0)

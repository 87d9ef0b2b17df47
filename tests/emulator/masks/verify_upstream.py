#!/usr/bin/env python3
"""Cross-checks the generated tables (../fieldmask_table.c) against a TTS source tree.

The tables are generated from the swagger schema and rules.txt; this script compares the
result with the lists TTS itself registers (pkg/ttnpb/field_mask_validation.go) and with
EndDeviceFieldPathsNested (pkg/ttnpb/end_device.pb.paths.fm.go), and prints every
difference. It only reads upstream; nothing of it ends up in the emulator.

usage: tests/emulator/masks/verify_upstream.py [GIT_DIR [REV]]
(default: the v3.32.1 mirror /work/.mirror/TheThingsNetwork+lorawan-stack/repo, HEAD).
Exit 0 = identical, 1 = differences, 2 = upstream not readable.
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GIT = sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror/TheThingsNetwork+lorawan-stack/repo"
REV = sys.argv[2] if len(sys.argv) > 2 else "HEAD"

# Our table name -> the RPCs that TTS registers with that list.
RPCS = {
    "is_get": ["EndDeviceRegistry/Get", "EndDeviceRegistry/List", "EndDeviceBatchRegistry/Get"],
    "is_update": ["EndDeviceRegistry/Update"],
    "js_get": ["JsEndDeviceRegistry/Get"],
    "js_set": ["JsEndDeviceRegistry/Set"],
    "ns_get": ["NsEndDeviceRegistry/Get"],
    "ns_set": ["NsEndDeviceRegistry/Set"],
    "as_get": ["AsEndDeviceRegistry/Get"],
    "as_set": ["AsEndDeviceRegistry/Set"],
}


def show(path):
    try:
        return subprocess.run(["git", "-C", GIT, "show", "%s:%s" % (REV, path)],
                              check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        sys.stderr.write("verify_upstream: cannot read %s: %s\n" % (path, e))
        sys.exit(2)


def strings(block):
    return set(re.findall(r'"([^"]+)"', block))


def go_var(src, name):
    m = re.search(r"var %s = (?:\[\.\.\.\]|\[\])string\{(.*?)\n\}" % name, src, re.S)
    return strings(m.group(1))


def go_rpc(src, rpc):
    m = re.search(re.escape('"/ttn.lorawan.v3.%s": {' % rpc) + r"(.*?)\n\t\},", src, re.S)
    if not m:
        return None
    inline = re.search(r"Allowed: \[\]string\{(.*?)\n\t\t\}", m.group(1), re.S)
    if inline:
        return strings(inline.group(1))
    return go_var(src, re.search(r"Allowed:\s+(\w+)", m.group(1)).group(1))


def ours():
    text = open(os.path.join(HERE, "..", "fieldmask_table.c")).read()
    lists = {}
    for m in re.finditer(r"static const char \*const (\w+)_paths\[\] = \{(.*?)\n\};", text, re.S):
        lists[m.group(1)] = strings(m.group(2))
    return lists


def main():
    fmv = show("pkg/ttnpb/field_mask_validation.go")
    nested = go_var(show("pkg/ttnpb/end_device.pb.paths.fm.go"), "EndDeviceFieldPathsNested")
    mine = ours()
    bad = 0

    def diff(label, a, b):
        nonlocal bad
        if a != b:
            bad += 1
            print("%s: only ours %s; only upstream %s" % (label, sorted(a - b), sorted(b - a)))

    diff("all (EndDeviceFieldPathsNested)", mine["all"], nested)
    for table, rpcs in RPCS.items():
        for rpc in rpcs:
            up = go_rpc(fmv, rpc)
            if up is None:
                bad += 1
                print("%s: not registered upstream" % rpc)
            else:
                diff("%s (%s)" % (rpc, table), mine[table], up)
    create = go_rpc(fmv, "EndDeviceRegistry/Create")
    print("EndDeviceRegistry/Create: %s" % ("registered!" if create else "no mask rules (as expected)"))
    print("verify_upstream: %d difference(s)" % bad)
    return 1 if bad or create else 0


sys.exit(main())

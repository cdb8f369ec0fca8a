#!/bin/bash
# The settings `capture` and `read` share have one name and one default:
# each shows in both commands' --help under the same name with the same
# "(default: ...)", and the README's table of flow settings states those
# same defaults.
set -u
FS_BIN=${FS_BIN:-build/flowsplice}
FS_ROOT=${FS_ROOT:-$(pwd)}
work=$(mktemp -d /tmp/fs-shared-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$FS_BIN" capture --help >"$work/capture" || { echo "FAIL: capture --help"; exit 1; }
"$FS_BIN" read --help >"$work/read" || { echo "FAIL: read --help"; exit 1; }

python3 - "$work/capture" "$work/read" "$FS_ROOT/README.md" <<'PY'
import re, sys

shared = ["max-flows", "idle-timeout", "ooo-per-flow", "ooo-total",
          "hold-policy", "max-open-files"]

def defaults(path):
    """option name -> its default, from --help's table."""
    out, name, text = {}, None, ""
    for line in open(path).read().split("\n"):
        # An option's first line: "  -x, --name" or "      --name".
        m = re.match(r"  (?:-\w, |    )--([\w-]+)", line)
        if m:
            if name:
                out[name] = text
            name, text = m.group(1), line
        elif name:
            text += " " + line.strip()
    if name:
        out[name] = text
    return {k: (re.search(r"\(default: ([^)]*)\)", v) or [None, None])[1]
            for k, v in out.items()}

cap, rd = defaults(sys.argv[1]), defaults(sys.argv[2])
readme = open(sys.argv[3]).read()
bad = 0
for o in shared:
    c, r = cap.get(o), rd.get(o)
    if c is None or r is None or c != r:
        print(f"FAIL: --{o}: capture says {c}, read says {r}")
        bad = 1
        continue
    # The README's table of flow settings: "| `--opt` | DEFAULT |".
    if not re.search(r"^\| `--%s` \| %s \|" % (re.escape(o), re.escape(c)),
                     readme, re.M):
        print(f"FAIL: README does not give --{o}'s default {c}")
        bad = 1
    else:
        print(f"ok: --{o}: default {c} in both and in the README")
sys.exit(bad)
PY

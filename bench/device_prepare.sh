#!/usr/bin/env bash
# Fill .device/ (ignored by git) with everything bench/device_check.sh needs on
# the lent GPU machine, which reaches no registry: see bench/DEVICE.md.
#
#   bash bench/device_prepare.sh
#
# Runs HERE (x86-64 Debian, with PyPI, Debian and npm reachable). The GPU
# machine is x86-64 with Python 3.12 (numpy and pytest installed), but has no
# wgpu, no Node and maybe no Vulkan loader, so .device/ carries:
#
#   .device/whl/*.whl                 wgpu (the pyproject pin) and its runtime deps, cp312 manylinux x86-64
#   .device/gl/*.deb                  Debian's Vulkan/GL loaders (libvulkan1, libglvnd...), amd64
#   .device/node/node.xz              this machine's node binary (Node 20, statically linked but for libc/libstdc++)
#   .device/node/node_modules.tar.xz  what tests/pyodide_run.mjs imports: pyodide (+ ws), webgpu with dist/linux-x64 only
#   .device/MANIFEST.txt              versions and sha256 of the above
#
# The whole working tree that travels to the machine is capped at 64 MiB, so
# the big files are xz-compressed and the script fails past 58 MiB in all.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DEV=.device
LIMIT_BYTES=$((58 * 1024 * 1024))   # 64 MiB travel cap, minus room for the tree growing

# --- Python wheels ------------------------------------------------------------
# The wgpu version is the one the project pins (pyproject.toml), which is what
# the tests here run with; `pip show` is only a cross-check.
WGPU_VERSION="$(grep -o 'wgpu==[0-9.]*' pyproject.toml | head -1 | cut -d= -f3)"
LOCAL_WGPU="$(python3 -m pip show wgpu 2>/dev/null | awk '/^Version:/{print $2}' || true)"
if [[ -n "$LOCAL_WGPU" && "$LOCAL_WGPU" != "$WGPU_VERSION" ]]; then
    echo "warning: pyproject pins wgpu==$WGPU_VERSION but this machine has $LOCAL_WGPU; carrying the pin" >&2
fi

# wgpu's runtime deps on Linux (its METADATA's Requires-Dist, extras and macOS
# markers left out): cffi -> pycparser, and rendercanvas -> numpy (numpy is
# already on the GPU machine). None of the four is in that machine's image.
# Each is pinned to the version installed here when there is one, so the GPU
# machine runs what the tests here run.
local_version() { python3 -m pip show "$1" 2>/dev/null | awk '/^Version:/{print $2}' || true; }
SPECS=("wgpu==$WGPU_VERSION")
for name in cffi pycparser rendercanvas; do
    v="$(local_version "$name")"
    SPECS+=("$name${v:+==$v}")
done

rm -rf "$DEV/whl" "$DEV/gl" "$DEV/node"
mkdir -p "$DEV/whl" "$DEV/gl" "$DEV/node"

echo "== wheels for cp312 manylinux x86_64: ${SPECS[*]}"
# pip matches manylinux tags exactly, so name the ones these wheels use; the
# GPU machine's glibc (Ubuntu 24.04 for Python 3.12.3: 2.39) accepts all.
for spec in "${SPECS[@]}"; do
    python3 -m pip download -q --no-deps --only-binary=:all: \
        --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        -d "$DEV/whl" "$spec" 2>&1 | grep -v "^WARNING: Location 'file:" || true
done
ls "$DEV"/whl/*.whl >/dev/null   # fails (set -e) when pip downloaded nothing

# Check the set is closed: every Linux/CPython 3.12 requirement of every wheel
# is another wheel in the kit or a package the GPU machine already has.
python3 - "$DEV/whl" <<'PY'
import sys, zipfile, pathlib
try:
    from packaging.requirements import Requirement
except ImportError:
    from pip._vendor.packaging.requirements import Requirement
ON_REMOTE = {"numpy", "pytest"}           # in the GPU machine's image (bench/DEVICE.md)
env = {"sys_platform": "linux", "platform_system": "Linux", "python_version": "3.12",
       "python_full_version": "3.12.3", "implementation_name": "cpython",
       "platform_python_implementation": "CPython", "platform_machine": "x86_64", "os_name": "posix", "extra": ""}
norm = lambda s: s.lower().replace("_", "-")
wheels = sorted(pathlib.Path(sys.argv[1]).glob("*.whl"))
have = {norm(w.name.split("-")[0]) for w in wheels}
missing = []
for w in wheels:
    with zipfile.ZipFile(w) as z:
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        for line in z.read(meta).decode().splitlines():
            if line.startswith("Requires-Dist:"):
                req = Requirement(line.split(":", 1)[1].strip())
                if (req.marker is None or req.marker.evaluate(env)) and norm(req.name) not in have | ON_REMOTE:
                    missing.append(f"{w.name} needs {req}")
    print("  ", w.name, w.stat().st_size)
if missing:
    sys.exit("wheel set not closed:\n  " + "\n  ".join(missing))
print("   closed: every runtime requirement is in the kit or in", sorted(ON_REMOTE))
PY

# --- Vulkan / GL loaders ------------------------------------------------------
# The GPU machine's image may have no libvulkan.so.1; its NVIDIA driver is a
# read-only mount with the ICD. These are the loaders the device README names,
# from Debian, downloaded for amd64 with a private list directory so this
# machine's apt state is left alone.
echo "== Vulkan/GL loader debs (amd64)"
mkdir -p /tmp/amd64/partial
# APT::Sandbox::User=root: the _apt user may not write into the repo.
apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64 -oAPT::Sandbox::User=root)
apt-get -qq "${apt_opts[@]}" update
(cd "$DEV/gl" && apt-get -qq "${apt_opts[@]}" download \
    libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
ls -l "$DEV"/gl/*.deb | awk '{print "  ", $NF, $5}'

# --- Node and the node_modules subset ----------------------------------------
# bench/bench_dawn.py runs `node tests/pyodide_run.mjs --webgpu ...`, which
# imports "pyodide" (which imports "ws" under Node) and "webgpu" (index.js
# require()s dist/<platform>-<arch>/dawn.node, nothing else at run time).
NODE_BIN="$(command -v node)"
NODE_VERSION="$("$NODE_BIN" --version)"
echo "== node $NODE_VERSION from $NODE_BIN"
[[ "$NODE_VERSION" == v20.* ]] || echo "warning: bench_dawn.py was measured with Node 20, this is $NODE_VERSION" >&2
# A distribution's libnode-linked binary would not run alone on the GPU machine.
if ldd "$NODE_BIN" | grep -q 'libnode\|libuv\|libicu'; then
    echo "error: $NODE_BIN links shared libnode/libuv/libicu; carry a static (nodejs.org/NodeSource) build" >&2
    exit 1
fi
xz -9 -T2 -c "$NODE_BIN" > "$DEV/node/node.xz"

SUBSET=(
    node_modules/pyodide
    node_modules/ws
    node_modules/webgpu/package.json
    node_modules/webgpu/index.js
    node_modules/webgpu/LICENSE.md
    node_modules/webgpu/dist/linux-x64
    node_modules/@webgpu
)
for path in "${SUBSET[@]}"; do
    [[ -e "$path" ]] || { echo "error: $path missing: run \`npm ci\` first" >&2; exit 1; }
done
# Source maps and the console pages are for browsers only.
tar -cf - --exclude='*.map' --exclude='console*.html' "${SUBSET[@]}" | xz -9 -T2 > "$DEV/node/node_modules.tar.xz"

# --- Manifest and size --------------------------------------------------------
{
    echo "prepared $(date -u +%FT%TZ) on $(uname -m)"
    echo "wgpu $WGPU_VERSION; node $NODE_VERSION;" \
         "pyodide $(node -p 'require("./node_modules/pyodide/package.json").version');" \
         "webgpu $(node -p 'require("./node_modules/webgpu/package.json").version')"
    (cd "$DEV" && find whl gl node -type f | sort | xargs sha256sum)
} > "$DEV/MANIFEST.txt"

kit_bytes=$(du -cb "$DEV" | tail -1 | cut -f1)
# What travels besides carried paths: tracked files plus untracked, not ignored ones.
tree_bytes=$(git ls-files -co --exclude-standard -z | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1)
total=$((kit_bytes + tree_bytes))
echo "== sizes"
(cd "$DEV" && du -sh whl gl node/node.xz node/node_modules.tar.xz)
printf '   .device/ %.1f MiB + working tree %.1f MiB = %.1f MiB of the 64 MiB that may travel\n' \
    "$(echo "$kit_bytes/1048576" | bc -l)" "$(echo "$tree_bytes/1048576" | bc -l)" "$(echo "$total/1048576" | bc -l)"
if (( total > LIMIT_BYTES )); then
    echo "error: over $((LIMIT_BYTES / 1048576)) MiB: the run call would be refused or leave no room" >&2
    exit 1
fi
echo "ok: run bench/device_check.sh there with carry [\".device\"] (bench/DEVICE.md)"

#!/usr/bin/env bash
# All the GPU figures in one call on the lent GPU machine (bench/DEVICE.md).
#
#   bash bench/device_check.sh            there: run with carry [".device"], $OUT set
#   bash bench/device_check.sh --quick    here: a dry run with tiny sizes on the CPU adapters
#
# Needs .device/ from bench/device_prepare.sh. There it installs the carried
# wgpu wheels into /tmp/site, the Vulkan loader when the image has none, Node
# into /tmp/node-bin and the node_modules subset into ./node_modules; prints
# the adapters; then runs the benches, most important first, each under its own
# timeout and all inside one budget (DSHQ_DEVICE_BUDGET_S, default 500 s, for a
# run call of timeout_s 540), so a slow step costs the later ones, never the
# whole call:
#
#   a. bench_train.py: rl.train SPS, numpy vs gpu engine, default and GPU-sized shapes
#   b. bench_dawn.py:  the page's trainer through Dawn in Node, 64..4096 envs;
#      bench_dawn_learning.py: the same at the page's defaults for 3 minutes, each
#      15 s snapshot's matches against the scripted player (into learning.log)
#   c. rl.train --engine gpu 3M steps, then rl.evaluate vs scripted (200 matches)
#   d. bench_sim_wgsl.py --native-only and bench_update.py
#
# Everything printed goes to $OUT/device_check.log; each bench's output also
# to its own file there (7 files: the run tool brings back at most 8), and the
# trained model to $OUT/gpu_seed1.dshq.
#
# --quick (or DSHQ_DEVICE_QUICK=1) proves the script and the kit here: it copies
# the working tree as the run tool would (tracked + untracked-not-ignored
# files, so no node_modules) to /tmp/dshq-device-dry/repo, installs the wheels
# into a Python 3.12 the way the GPU machine does, unpacks the debs into a
# scratch folder (not /), unpacks Node and node_modules from .device/, and runs
# every step with tiny sizes: wgpu-py on lavapipe, Dawn on chromium's
# SwiftShader (Dawn refuses lavapipe).
set -euo pipefail

QUICK=${DSHQ_DEVICE_QUICK:-0}
[[ "${1:-}" == "--quick" ]] && QUICK=1
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ -d "$SRC/.device/whl" ]] || { echo "no .device/ kit: run bash bench/device_prepare.sh here first" >&2; exit 1; }

if [[ "$QUICK" == 1 ]]; then
    DRY=${DSHQ_DRY_DIR:-/tmp/dshq-device-dry}
    rm -rf "$DRY"
    mkdir -p "$DRY/repo"
    # What the run tool sends: tracked and untracked-not-ignored files (tracked
    # ones deleted in the working tree are skipped), plus the carried .device.
    (cd "$SRC" && git ls-files -co --exclude-standard -z \
        | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -C "$DRY/repo" -xf -
    ln -s "$SRC/.device" "$DRY/repo/.device"
    ROOT="$DRY/repo"
    SITE="$DRY/site"
    NODE_DIR="$DRY/node-bin"
    OUT="${OUT:-$DRY/out}"
    MODEL="$DRY/gpu_seed1.dshq"
    BUDGET=${DSHQ_DEVICE_BUDGET_S:-1800}   # lavapipe on 2 shared cores
    # The kit's cffi is a cp312 wheel: the dry run needs a Python 3.12.
    PY=""
    for candidate in "${PYTHON:-}" python3.12 "$HOME"/.pyenv/versions/3.12*/bin/python3 python3; do
        if [[ -n "$candidate" ]] && command -v "$candidate" >/dev/null \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
            PY="$candidate"; break
        fi
    done
    [[ -n "$PY" ]] || { echo "--quick needs a Python 3.12 (set PYTHON=...)" >&2; exit 1; }
else
    ROOT="$SRC"
    SITE=/tmp/site
    NODE_DIR=/tmp/node-bin
    OUT="${OUT:-$ROOT/out/device}"     # /out/ is ignored by git
    MODEL=/tmp/gpu_seed1.dshq
    BUDGET=${DSHQ_DEVICE_BUDGET_S:-500}
    PY="${PYTHON:-python3}"
fi
mkdir -p "$OUT"
cd "$ROOT"
export PYTHONUNBUFFERED=1
export PIP_ROOT_USER_ACTION=ignore   # commands run as root there; pip's warning is noise
RESERVE=8      # seconds kept back at the end for the summary
MIN_STEP=20    # a step with less time than this left is skipped, not started
SUMMARY=()

# Seconds (with decimals) since the epoch, for wall times.
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# step NAME LOGFILE CAP CMD...: run CMD under a timeout of CAP seconds or what
# is left of the budget, whichever is less; its output goes to the screen (and
# so device_check.log) and to $OUT/LOGFILE. A failure is recorded, not fatal.
# timeout signals the whole process group, so the benches' own subprocesses
# (rl.train, node) die with them and release the GPU and the pipe.
step() {
    local name=$1 log=$2 cap=$3
    shift 3
    local left=$((BUDGET - SECONDS - RESERVE))
    local limit=$((cap < left ? cap : left))
    if ((limit < MIN_STEP)); then
        echo "== $name: SKIPPED (${left} s of the ${BUDGET} s budget left)" | tee -a "$OUT/$log"
        SUMMARY+=("$(printf '%-26s %-10s %8s' "$name" skipped -)")
        return 0
    fi
    echo "== $name (timeout ${limit} s): $*" | tee -a "$OUT/$log"
    local start rc wall status
    start=$(now)
    set +e
    timeout -k 10 "$limit" "$@" 2>&1 | tee -a "$OUT/$log"
    rc=${PIPESTATUS[0]}
    set -e
    wall=$(elapsed "$start")
    case $rc in 0) status=ok ;; 124 | 137) status="TIMEOUT" ;; *) status="rc=$rc" ;; esac
    echo "== $name: $status, ${wall} s wall" | tee -a "$OUT/$log"
    SUMMARY+=("$(printf '%-26s %-10s %8s' "$name" "$status" "$wall")")
}

prepare() {
    echo "== device_check $([[ $QUICK == 1 ]] && echo '--quick (dry run) ')in $ROOT, $(date -u +%FT%TZ)"
    echo "   $(uname -srm); $(nproc) CPUs; $("$PY" --version) at $(command -v "$PY"); budget ${BUDGET} s"
    head -2 .device/MANIFEST.txt 2>/dev/null | sed 's/^/   kit: /' || true
    local start
    start=$(now)
    # A kit cut short in transfer would fail later in a less obvious way.
    if ! (cd .device && tail -n +3 MANIFEST.txt | sha256sum --quiet -c -); then
        echo "   WARNING: .device/ does not match its MANIFEST.txt (rerun bench/device_prepare.sh); going on"
    fi

    # Wheels: wgpu and its deps into a folder of their own, first on the path.
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target "$SITE" .device/whl/*.whl
    export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
    if [[ "$QUICK" == 1 ]] && ! "$PY" -c 'import numpy' 2>/dev/null; then
        # Here only: the GPU machine's Python has numpy, pyenv's 3.12 may not.
        "$PY" -m pip install -q --no-cache-dir --target "$DRY/numpy" numpy
        export PYTHONPATH="$PYTHONPATH:$DRY/numpy"
    fi

    # Vulkan loader: only where the image lacks one (dpkg -x into / is what the
    # device README does; ldconfig makes dlopen find libvulkan.so.1). The dry
    # run unpacks into a scratch folder instead, to prove the debs are whole.
    # The loader itself is looked for, not any libvulkan_* (Mesa's ICDs are
    # named so too and load nothing without it).
    local loaders
    loaders=$(ldconfig -p | grep 'libvulkan\.so\.1' || true)
    if [[ "$QUICK" == 1 ]]; then
        for f in .device/gl/*.deb; do dpkg -x "$f" "$DRY/gl-root"; done
        ls "$DRY"/gl-root/usr/lib/x86_64-linux-gnu/libvulkan.so.1 >/dev/null
        echo "   loader debs unpack (into $DRY/gl-root); system loader: ${loaders:-none}"
    elif [[ -z "$loaders" ]]; then
        for f in .device/gl/*.deb; do dpkg -x "$f" /; done
        ldconfig
        echo "   installed the carried Vulkan/GL loaders: $(ldconfig -p | grep 'libvulkan\.so\.1' || echo 'libvulkan.so.1 STILL MISSING')"
    else
        echo "   system Vulkan loader present: $(echo "$loaders" | head -1)"
    fi
    # The NVIDIA ICD lives in the driver's read-only mount, where the loader
    # does not look by itself.
    local nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    if [[ -f "$nvidia_icd" ]]; then
        export VK_DRIVER_FILES="$nvidia_icd"
        echo "   VK_DRIVER_FILES=$nvidia_icd"
    fi

    # Node, and the node_modules subset where tests/pyodide_run.mjs resolves
    # "pyodide" and "webgpu" (ESM ignores NODE_PATH, so it must be ./node_modules).
    mkdir -p "$NODE_DIR"
    "$PY" -c 'import lzma, shutil, sys
with lzma.open(sys.argv[1]) as src, open(sys.argv[2], "wb") as dst: shutil.copyfileobj(src, dst, 1 << 20)' \
        .device/node/node.xz "$NODE_DIR/node"
    chmod +x "$NODE_DIR/node"
    export PATH="$NODE_DIR:$PATH"
    if [[ -d node_modules/pyodide && -d node_modules/webgpu/dist/linux-x64 ]]; then
        echo "   node_modules already here: kept"
    else
        "$PY" -c 'import sys, tarfile
with tarfile.open(sys.argv[1]) as t: t.extractall(".", filter="data")' .device/node/node_modules.tar.xz
    fi
    echo "   node $(node --version) at $(command -v node); pyodide $(node -p 'require("./node_modules/pyodide/package.json").version'); webgpu $(node -p 'require("./node_modules/webgpu/package.json").version')"
    echo "   prepared in $(elapsed "$start") s"

    # The adapters, as each of the two WebGPU implementations sees them.
    echo "== adapters (wgpu-py: what rl.train and the native benches use)"
    timeout 60 "$PY" -c '
import wgpu
print("   wgpu", wgpu.__version__, "from", wgpu.__file__)
for a in wgpu.gpu.enumerate_adapters_sync():
    print("   adapter:", dict(a.info))
a = wgpu.gpu.request_adapter_sync(power_preference="high-performance")
print("   chosen (high-performance):", dict(a.info) if a else None)
print("   limits: max_storage_buffer_binding_size", a.limits["max-storage-buffer-binding-size"],
      "max_compute_workgroups_per_dimension", a.limits["max-compute-workgroups-per-dimension"])
' 2>&1 | grep -v XDG_RUNTIME_DIR || echo "   wgpu-py adapter query FAILED"
    echo "== adapter (Dawn in Node: what bench_dawn.py uses)"
    local dawn_env=()
    [[ "$QUICK" == 1 ]] && dawn_env=(VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)
    env "${dawn_env[@]}" timeout 60 node --input-type=module -e '
import { create } from "webgpu";
const adapter = await create([]).requestAdapter({ powerPreference: "high-performance" });
const i = adapter && adapter.info;
console.log("   dawn adapter:", i ? JSON.stringify({ vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description }) : null);
process.exit(0);
' 2>&1 || echo "   Dawn adapter query FAILED"
}

benches() {
    if [[ "$QUICK" == 1 ]]; then
        # Tiny: every command line form once, on lavapipe / SwiftShader.
        local shape=(--num-envs 8 --num-steps 16 --num-minibatches 2 --steps 256)
        step a1-train-default bench_train.log 600 "$PY" bench/bench_train.py --engines numpy gpu --workers 1 "${shape[@]}"
        step a2-train-gpu-4096 bench_train.log 300 "$PY" bench/bench_train.py --engines gpu --num-envs 16 --num-steps 8 --num-minibatches 2 --steps 128
        step a3-train-gpu-16384 bench_train.log 300 "$PY" bench/bench_train.py --engines gpu --num-envs 32 --num-steps 4 --num-minibatches 2 --steps 128
        step b-dawn bench_dawn.log 600 "$PY" bench/bench_dawn.py --envs 16 --steps 8 --updates 2 --vulkan swiftshader
        step b2-dawn-learning learning.log 600 "$PY" bench/bench_dawn_learning.py --minutes 0.5 --every 10 --envs 8 \
            --eval-episodes 2 --vulkan swiftshader
        step c1-learn-train learning.log 600 "$PY" -m rl.train --engine gpu --steps 256 --seed 1 "${shape[@]:0:6}" \
            --eval-every 128 --eval-episodes 2 --out "$MODEL"
        step c2-learn-evaluate learning.log 300 "$PY" -m rl.evaluate "$MODEL" --vs scripted --episodes 4 --seed 1
        step d1-sim-wgsl bench_sim_wgsl.log 300 "$PY" bench/bench_sim_wgsl.py --native-only --seconds 0.2 --cpu-envs 16 --gpu-envs 256
        step d2-update bench_update.log 300 "$PY" bench/bench_update.py --seconds 0.2 --shapes 34-8-8-31 --minibatch 64 --act-envs 16
    else
        # Expected on the H200 (docs/gpu_engine.md "Figures"): a ~60 s, b ~2 min,
        # b2 ~3.5 min, c ~100 s, d ~70 s; the budget bounds the sum, so c and d
        # (figures already measured there once) get what is left.
        step a1-train-default bench_train.log 120 "$PY" bench/bench_train.py --engines numpy gpu --workers 1
        step a2-train-gpu-4096 bench_train.log 90 "$PY" bench/bench_train.py --engines gpu \
            --num-envs 4096 --num-steps 128 --num-minibatches 32 --steps 2097152
        step a3-train-gpu-16384 bench_train.log 90 "$PY" bench/bench_train.py --engines gpu \
            --num-envs 16384 --num-steps 64 --num-minibatches 8 --steps 4194304
        # One Node run per env count, printed as each ends: a timeout loses only the last.
        step b-dawn bench_dawn.log 240 "$PY" bench/bench_dawn.py --envs 64 256 1024 4096 --updates 6 --vulkan system
        # The page's defaults through Dawn against the clock: minutes to beat the scripted player.
        step b2-dawn-learning learning.log 270 "$PY" bench/bench_dawn_learning.py --minutes 3 --every 15 --vulkan system
        step c1-learn-train learning.log 180 "$PY" -m rl.train --engine gpu --steps 3000000 --seed 1 \
            --eval-every 1000000 --eval-episodes 32 --out "$MODEL"
        step c2-learn-evaluate learning.log 90 "$PY" -m rl.evaluate "$MODEL" --vs scripted --episodes 200 --seed 1
        step d1-sim-wgsl bench_sim_wgsl.log 90 "$PY" bench/bench_sim_wgsl.py --native-only --seconds 3
        step d2-update bench_update.log 120 "$PY" bench/bench_update.py --seconds 1
    fi
    [[ -f "$MODEL" ]] && cp "$MODEL" "$OUT/gpu_seed1.dshq"
    echo "== summary (step, status, wall seconds), ${SECONDS} s in all"
    printf '   %s\n' "${SUMMARY[@]}"
}

main() {
    prepare
    benches
}

# One tee for everything, in the pipeline so the log is complete when the script returns.
main 2>&1 | tee "$OUT/device_check.log"

#!/usr/bin/env bash
# The GPU check of issue 3: the device test-suite and the GPU benchmark, in one go, on a
# machine with an NVIDIA GPU (an H100 or H200: sm_90), in under 8 minutes.
#
#   bash bench/gpu_check.sh                         # on the GPU machine, from anywhere
#   GPU_CHECK_SIMULATE=1 bash bench/gpu_check.sh    # no GPU: the same plumbing, simulated
#
# It needs nothing installed: the package is imported from this checkout (PYTHONPATH), and
# it uses only numpy, numba, numba-cuda, CuPy, torch and pytest (hypothesis, tqdm and
# matplotlib are optional). Phases, each under a time limit; a failing phase does not stop
# the later ones:
#   env       versions, `nvidia-smi -L`, and that tensorrt_mini comes from this checkout
#   ptx       a kernel compiles to PTX for sm_90 with numpy.row_stack taken away (numpy 2.5)
#   first-op  a few small ops on device='cuda' match the CPU, without numpy.row_stack
#   tests     pytest over the cuda kernels (the PTX catalog fills the PTX cache on all
#             CPUs) and the cuda backend against the CPU backend, GPU-only tests
#             included, in several processes at once; none of these files imports hypothesis
#   limits    the tests that take most of the GPU's memory, alone: tensors past 2^31
#             elements, out of memory, CUDA graph capture of a training step
#   host-probe  where a tiny op's host time goes (bench/host_probe.py): torch, tm, tm
#             without its launch, the allocation, CuPy's launch and the driver binding's
#   bench     python -m bench --device cuda (ratios to torch in the same run), every case
#             but the cold start (a dozen fresh interpreters importing torch and CuPy, and
#             no cuda target to meet)
#   sanitizer compute-sanitizer's memcheck and racecheck over tests that launch every
#             kernel family (bench/sanitizer.py); 0 errors to pass
#   profile   Nsight Compute over the bench's main kernels (bench/ncu_profile.py): time,
#             DRAM rate, occupancy, registers; informational, skipped without ncu
#   summary   a short table, printed last; RESULT: PASS or FAIL with the reasons
# Exit status: 0 when every phase passed, 1 when any failed (tests failed or did not run
# on the GPU, a tensorrt_mini op failed or gave a wrong result in the bench, a phase ran
# out of time). The benchmark runs and its results are written either way.
#
# When $OUT is set (the device tool sets it), these files land there (at most 7):
#   gpu_check.log, summary.json (with the host probe and the profile), pytest-junit.xml,
#   sanitizer.json (compute-sanitizer's counts and the end of its reports),
#   ncu-profile.csv (ncu's own output), cuda-<GPU>-<date>.json and .png
#   (the bench results, named for bench/results/; the PNG only where matplotlib is).
#
# Settings (environment):
#   GPU_CHECK_SIMULATE=1   run everything under Numba's CUDA simulator
#                          (NUMBA_ENABLE_CUDASIM=1) with tiny bench sizes: proves the
#                          plumbing on a CPU; no figure of it is a GPU's. It also hides
#                          hypothesis, tqdm and matplotlib, as the GPU image may lack them.
#   GPU_CHECK_HIDE="..."   modules to hide (default: none on a GPU, the three above simulated)
#   GPU_CHECK_BUDGET_S     the whole check's time budget (default 460 on a GPU); the bench
#                          gets what the earlier phases leave less the sanitizer's 150 s,
#                          at least 60 s, and the profile what the rest leaves
#   GPU_CHECK_TESTS_S      the tests' time limit (default 170 on a GPU)
#   GPU_CHECK_SHARDS       pytest processes side by side (default 6 on a GPU, 2 simulated)
#   GPU_CHECK_PYTHON       the interpreter (default python3)
# A phase that reaches its limit is stopped with SIGTERM, and pytest and the bench still
# write what they have (junit XML, results JSON), which the summary reports as a failure.
set -u -o pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 2
PY=${GPU_CHECK_PYTHON:-python3}
START=$(date +%s)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gpu_check.XXXXXX")

if [ "${GPU_CHECK_SIMULATE:-0}" = 1 ]; then
    MODE=sim
    export NUMBA_ENABLE_CUDASIM=1
    HIDE=${GPU_CHECK_HIDE-hypothesis tqdm matplotlib}
    BUDGET=${GPU_CHECK_BUDGET_S:-3600}
    TESTS_S=${GPU_CHECK_TESTS_S:-1800}
    SHARDS=${GPU_CHECK_SHARDS:-2}
    BENCH_ARGS=(--device cuda --quick --skip "cold start")
else
    MODE=gpu
    export NUMBA_ENABLE_CUDASIM=0
    HIDE=${GPU_CHECK_HIDE-}
    BUDGET=${GPU_CHECK_BUDGET_S:-460}
    TESTS_S=${GPU_CHECK_TESTS_S:-170}
    SHARDS=${GPU_CHECK_SHARDS:-6}
    BENCH_ARGS=(--device cuda --skip "cold start")
fi
export PYTHONUNBUFFERED=1
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"
# One PTX cache for every phase: the PTX test (test_cuda_ptx.py) compiles its catalog on all
# CPUs into pytest's cache folder, and the backend tests and the bench then load those files
# instead of compiling one kernel at a time. Keyed by kernel source, so never stale.
export TENSORRT_MINI_PTX_CACHE=${TENSORRT_MINI_PTX_CACHE:-$REPO/.pytest_cache/d/tensorrt_mini_ptx}

export GPU_CHECK_HIDE="$HIDE"  # the env phase marks these versions "(hidden)"
PYTEST_EXTRA=()
if [ -n "$HIDE" ]; then
    # a stub package that raises ImportError stands in for each hidden module
    for mod in $HIDE; do
        mkdir -p "$WORK/hidden/$mod"
        echo "raise ImportError('$mod is hidden by GPU_CHECK_HIDE, as on an image without it')" \
            >"$WORK/hidden/$mod/__init__.py"
        [ "$mod" = hypothesis ] && PYTEST_EXTRA+=(-p no:hypothesispytest)
    done
    export PYTHONPATH="$WORK/hidden:$PYTHONPATH"
fi

# Everything printed also goes to the log; fd 3 and 4 keep the terminal for the end.
exec 3>&1 4>&2
# The log is written into $OUT as it grows, so a run cut off by the device call's own time
# limit still brings back everything it printed.
[ -n "${OUT:-}" ] && mkdir -p "$OUT"
LOG=${OUT:-$WORK}/gpu_check.log
exec > >(tee "$LOG") 2>&1
TEE=$!

if command -v timeout >/dev/null; then
    limit() { local s=$1; shift; timeout -s TERM -k 20 "$s" "$@"; }
else
    limit() { shift; "$@"; }
fi

phase() {  # phase NAME SECONDS COMMAND...: run it under a time limit, note rc and time
    local name=$1 secs=$2 t0 rc
    shift 2
    echo
    echo "==== $name (limit ${secs} s) ===="
    t0=$(date +%s)
    limit "$secs" "$@"
    rc=$?
    printf '%s\t%s\t%s\n' "$name" "$rc" "$(($(date +%s) - t0))" >>"$WORK/phases.tsv"
    [ "$rc" = 0 ] || echo "---- $name: exit status $rc$( [ "$rc" = 124 ] && echo ' (time limit)')"
    return 0
}

echo "GPU check, mode $MODE, in $REPO; work files in $WORK"
[ -n "$HIDE" ] && echo "hidden modules: $HIDE"

phase env 60 "$PY" -m bench.gpu_check env --record "$WORK/env.json"
phase ptx 120 env NUMBA_ENABLE_CUDASIM=0 TENSORRT_MINI_PTX_CACHE="$WORK/ptx-fresh" \
    "$PY" -m bench.gpu_check ptx --record "$WORK/ptx.json"
phase first-op 120 "$PY" -m bench.gpu_check first-op --mode "$MODE" --record "$WORK/first-op.json"

# The cuda test selection: tests/kernels/cuda (on a GPU its simulator tests skip and
# test_cuda_ptx.py's catalog fills the PTX cache on all CPUs), and the cuda backend against
# the CPU backend (its GPU-only tests skip in the simulator), in $SHARDS pytest processes
# side by side: on a fresh machine most of their time is compiling kernels, one at a time
# in each process; and the layers, optimizers, data loading and autocast on cuda (of
# tests/nn, tests/optim, tests/utils and tests/amp only the tests named for cuda or marked
# `cuda` run: gpu_check.CUDA_NAMED_ONLY).
# The test files that import hypothesis (tests/ops, test_layout, test_printing,
# tests/kernels/cpu) are CPU-only and stay out.
phase tests "$TESTS_S" "$PY" -m bench.gpu_check tests --shards "$SHARDS" \
    --junitxml "$WORK/pytest-junit.xml" -- -q -rfE --durations=10 "${PYTEST_EXTRA[@]}" \
    tests/kernels/cuda tests/backends/test_cuda_backend.py tests/backends/test_cuda_runtime.py \
    tests/backends/test_cuda_ordering.py tests/backends/test_cuda_linalg.py tests/test_cuda.py \
    tests/backends/test_cuda_flash_attention.py tests/backends/test_half.py \
    tests/nn tests/optim tests/utils tests/amp tests/interop \
    tests/distributed/test_process_group.py::test_nccl_backend_one_rank_on_a_gpu

# alone, one process: these take most of the GPU's memory (2^31 + 2^16 float32 elements,
# a deliberate out-of-memory, a pool filled to 80%); on the simulator they skip
phase limits 60 "$PY" -m bench.gpu_check tests --shards 1 --junitxml "$WORK/limits-junit.xml" \
    -- -q -rfE -m gpu "${PYTEST_EXTRA[@]}" tests/backends/test_past_int32.py \
    tests/backends/test_cuda_limits.py

phase host-probe 60 "$PY" -m bench.host_probe --record "$WORK/host-probe.json"

SANITIZER_S=150
LEFT=$((BUDGET - ($(date +%s) - START) - SANITIZER_S - 25))
[ "$LEFT" -lt 60 ] && LEFT=60
phase bench "$LEFT" "$PY" -m bench.gpu_check bench "${BENCH_ARGS[@]}" \
    --results-dir "$WORK/results"
phase sanitizer $((SANITIZER_S + 20)) "$PY" -m bench.sanitizer --mode "$MODE" \
    --time-limit "$SANITIZER_S" --record "$WORK/sanitizer.json"
# after the bench, so a slow profiler never eats into the bench's time, and only in what
# is left of the budget (at most 80 s)
LEFT=$((BUDGET - ($(date +%s) - START) - 10))
[ "$LEFT" -gt 80 ] && LEFT=80
phase profile $((LEFT > 0 ? LEFT + 10 : 10)) "$PY" -m bench.ncu_profile --mode "$MODE" \
    --timeout "$LEFT" --record "$WORK/ncu-profile.json"

SUMMARY_OUT=()
[ -n "${OUT:-}" ] && SUMMARY_OUT=(--out "$OUT")
"$PY" -m bench.gpu_check summary --work "$WORK" --mode "$MODE" --budget "$BUDGET" \
    "${SUMMARY_OUT[@]}"
RC=$?
echo "GPU check: $(($(date +%s) - START)) s in all; work files in $WORK"

# close the log (tee sees its end), then trim it if it is too big to come back
exec 1>&3 2>&4
wait "$TEE" 2>/dev/null
if [ "$(wc -c <"$LOG")" -gt 15000000 ]; then  # a file back from the device stays < 16 MiB
    tail -c 15000000 "$LOG" >"$WORK/log.tail" && mv "$WORK/log.tail" "$LOG"
fi
exit "$RC"

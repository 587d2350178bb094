"""No Python call crashes the interpreter: risky calls with sizes, offsets, indices or
buffers that do not fit run in child processes, and each must end in a Python exception,
never a signal (a segfault, or glibc's abort on a corrupted heap).

The calls of one area share a child, which runs them one after another and prints what
each raised: a crash kills the child, so its exit code and the last line name the call.
Heap corruption may only surface later in the same process, which the shared child also
catches.
"""
import os
import subprocess
import sys
import textwrap

import pytest

# area -> (setup code, {probe name: expression or statement that must raise})
AREAS = {
    "optimizers": ("""
        from tensorrt_mini import nn, optim
        from tensorrt_mini.backends import cpu
        def sgd_with_small_grad():
            p = nn.Parameter(tm.ones(1000))
            p._grad = tm.full((1,), 2.)  # past the checked setter
            opt = optim.SGD([p], lr=0.1, momentum=0.9)
            opt.step(); opt.step()
        def adam_with_state(n):
            p = nn.Parameter(tm.ones(100_000))
            opt = optim.Adam([p]); p.grad = tm.ones(100_000); opt.step()
            sd = opt.state_dict(); sd["state"][0]["exp_avg_sq"] = tm.ones(n)
            opt.load_state_dict(sd); opt.step()
        def adam_state_poked(n):
            p = nn.Parameter(tm.ones(100_000))
            opt = optim.Adam([p], amsgrad=True); p.grad = tm.ones(100_000); opt.step()
            opt.state[p]["max_exp_avg_sq"] = tm.ones(n); opt.step()
        """, {
        "sgd_small_grad": "sgd_with_small_grad()",
        "adam_state_7": "adam_with_state(7)",
        "adam_state_1": "adam_with_state(1)",
        "adam_state_poked": "adam_state_poked(3)",
        "sgd_kernel_direct": "cpu.sgd_step(tm.ones(10**5), tm.ones(3), tm.ones(2), .1, 0, .9, 0,"
                             " False, False, False)",
        "adam_kernel_direct": "cpu.adam_step(tm.ones(10**5), tm.ones(10**5), tm.ones(1), tm.ones(1),"
                              " None, .1, .9, .99, 1e-8, 0, 1, False, False, False)",
    }),
    "views": ("x = tm.arange(16.)", {
        "as_strided_past_end": "x.as_strided((100,), (1,))",
        "as_strided_offset_past_end": "x.as_strided((2,), (1,), 15)",
        "as_strided_huge_stride": "x.as_strided((2,), (2**62,))",
        "as_strided_huge_size": "x.as_strided((2**62,), (0,))[0:3].sum().item() + x[99].item()",
        "as_strided_negative": "x.as_strided((2,), (-1,), 4)",
        "view_wrong_numel": "x.view(5, 5)",
        "expand_then_inplace": "x[:1].expand(10**6).add_(1)",
    }),
    "indexing": ("x = tm.arange(16.).reshape(4, 4)", {
        "int_past_end": "x[4]",
        "huge_int": "x[10**12]",
        "huge_negative": "x[-10**12]",
        "tensor_index_past_end": "x[tm.tensor([0, 4])]",
        "tensor_index_huge": "x[tm.tensor([2**62])]",
        "setitem_past_end": "x[tm.tensor([9])] = 1.",
        "setitem_huge_negative": "x[tm.tensor([-2**62])] = 1.",
        "mask_wrong_shape": "x[tm.ones(5, 5, dtype=tm.bool)]",
        "gather_past_end": "x.gather(1, tm.tensor([[0, 7]]))",
        "gather_negative": "x.gather(0, tm.tensor([[-9]]))",
        "index_select_past_end": "x.index_select(0, tm.tensor([2**40]))",
        "scatter_through_setitem": "x[tm.tensor([[1, 2], [3, 99]])] = tm.ones(2, 2, 4)",
    }),
    "out": ("a = tm.ones(4); b = tm.ones(4)", {
        "lerp_small_out": "tm.lerp(a, b, 0.5, out=tm.empty(1))",
        "addcmul_out_of_other_dtype": "tm.addcmul(a, a, b, out=tm.empty(4, dtype=tm.int8))",
        "user_kernel_small_out": "tm.elementwise(lambda x, y: x + y)(a, b, out=tm.empty(2))",
        "inplace_into_smaller": "a[:1].add_(tm.ones(4))",
        "copy_into_smaller": "a[:2].copy_(tm.ones(3))",
    }),
    "storage": ("x = tm.ones(4); s = x.storage()", {
        "tolist_of_view_past_storage": "tm.ones(4).as_strided((4,), (2,)).tolist()",
        "from_numpy_then_offset": "tm.from_numpy(__import__('numpy').ones(2)).as_strided((3,), (1,))",
        "empty_impossible": "tm.empty(2**62)",
        "empty_strided_negative": "tm.empty_strided((2,), (-1,))",
        "full_int_overflow": "tm.full((2,), 2**70)",
        "deep_list": "tm.tensor(__import__('functools').reduce(lambda v, _: [v], range(5000), 1))",
    }),
    # the backends' entry points called directly, past the front end's checks
    "kernel_entries": ("""
        import numpy as np
        from tensorrt_mini.backends import cpu, cuda
        a, big = tm.ones(4), tm.empty(1 << 16)
        ca, cbig = tm.ones(4, device='cuda'), tm.empty(1 << 12, device='cuda')
        """, {
        "cpu_binary": "cpu.binary('add', big, a, a)",
        "cpu_unary": "cpu.unary('exp', big, a)",
        "cpu_binary_scalar": "cpu.binary_scalar('mul', big, a, np.float32(2))",
        "cpu_where": "cpu.where(big, tm.ones(1 << 16, dtype=tm.bool), a, a)",
        "cpu_copy": "cpu.copy_(big, a)",
        "cpu_tiny_path": "cpu.binary_contig_new('add', a, a, 1 << 16)",
        "cuda_binary": "cuda.binary('add', cbig, ca, ca)",
        "cuda_copy": "cuda.copy_(cbig, ca)",
        "cuda_tiny_path": "cuda.binary_contig_new('add', ca, ca, 1 << 12)",
        "cpu_reduce_small_out": "cpu.reduce('sum', tm.empty(1), tm.ones(1 << 16, 4), (1,))",
        "cpu_arg_reduce_small_out": "cpu.arg_reduce('max', tm.empty(1), tm.empty(1, dtype=tm.int64),"
                                    " tm.ones(1 << 16, 4), 1)",
        "cuda_reduce_small_out": "cuda.reduce('sum', tm.empty(1, device='cuda'),"
                                 " tm.ones(1 << 10, 4, device='cuda'), (1,))",
    }),
    "cuda_simulator": ("x = tm.arange(16., device='cuda')", {
        "cuda_as_strided_past_end": "x.as_strided((100,), (1,))",
        "cuda_index_past_end": "x[tm.tensor([99], device='cuda')]",
        "cuda_setitem_past_end": "x[tm.tensor([99], device='cuda')] = 2.",
        "cuda_gather_past_end": "x.gather(0, tm.tensor([16], device='cuda'))",
        "cuda_adam_small_state": "adam_cuda()",
    }),
}

CUDA_SETUP = """
def adam_cuda():
    from tensorrt_mini import nn, optim
    p = nn.Parameter(tm.ones(1000, device='cuda'))
    opt = optim.Adam([p]); p.grad = tm.ones(1000, device='cuda'); opt.step()
    opt.state[p]["exp_avg"] = tm.ones(3, device='cuda'); opt.step()
"""


def _child_source(setup, probes):
    lines = ["import warnings", "warnings.simplefilter('ignore')", "import tensorrt_mini as tm",
             textwrap.dedent(setup), CUDA_SETUP]
    for name, code in probes.items():
        lines.append(textwrap.dedent(f"""
            try:
                exec({code!r})
            except Exception as e:
                print("{name}", type(e).__name__, flush=True)
            else:
                print("{name}", "no-error", flush=True)
            """))
    return "\n".join(lines)


@pytest.mark.parametrize("area", list(AREAS))
def test_risky_calls_raise_python_errors_and_never_crash(area):
    setup, probes = AREAS[area]
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    done = subprocess.run([sys.executable, "-c", _child_source(setup, probes)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (
        f"the child died (exit {done.returncode}) after:\n{done.stdout}\n{done.stderr[-2000:]}")
    results = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert set(results) == set(probes), done.stdout
    accepted = [name for name, what in results.items() if what == "no-error"]
    assert not accepted, f"these calls should have raised: {accepted}"

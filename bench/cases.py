"""The cases of issue 5, their sizes per device, and the targets they are held to.

A case gives host inputs and, per spelling ("torch" for tensorrt_mini and torch, "numpy"
for numpy and CuPy), a builder: `build(xp, *device_arrays)` does the setup and returns
the zero-argument callable that is timed. Ops allocate their outputs, as user code does.
"""
import importlib
import math
import warnings
from dataclasses import dataclass

import numpy as np

from .coldstart import ColdStart
from .runner import Skip, run_case

TORCH, NUMPY, COMPILE = "torch", "numpy", "compile"
F32 = 4  # bytes per element

# Ratio of tensorrt_mini's time to torch's in the same run; lower is better.
TARGETS = {
    "tiny op, host time": {"cpu": 1.5, "cuda": 1.0},
    "contiguous add": {"cpu": 1.0, "cuda": 1.05},
    "transcendental": {"cpu": 0.5, "cuda": 1.05},
    "fused a * b + c": {"cpu": 0.6, "cuda": 0.6},
    "fused gelu_tanh": {"cpu": 0.3, "cuda": 0.3},
    "a + b.t()": {"cpu": 0.55, "cuda": 0.75},
    "b.t().contiguous()": {"cpu": 0.8, "cuda": 0.5},
    "sum()": {"cpu": 1.0, "cuda": 1.05},
    "sum(0)": {"cpu": 0.5, "cuda": 1.05},
    "sum(1)": {"cpu": 1.0, "cuda": 1.05},
    "amax(1)": {"cpu": 1.0, "cuda": 1.05},
    "matmul": {"cpu": 1.1, "cuda": 1.05},
    "linear + relu": {"cpu": 1.2, "cuda": 1.2},
    "MLP training step": {"cpu": 1.5, "cuda": 1.5},
    "small CNN training step": {"cpu": 1.5, "cuda": 1.5},
    "scatter_add_": {"cpu": 1.5, "cuda": 1.5},
    "sort": {"cpu": 1.5, "cuda": 1.5},
    "cumsum": {"cpu": 1.2, "cuda": 1.2},
    "topk": {"cpu": None, "cuda": 2.0},
    "einsum": {"cpu": 1.1, "cuda": 1.1},
    "BatchNorm2d + ReLU forward": {"cpu": 1.2, "cuda": 1.0},
    "conv2d 3x3 forward": {"cpu": 1.5, "cuda": 1.5},
    "conv2d 3x3 forward+backward": {"cpu": 1.5, "cuda": 1.5},
    "DataLoader images/s": {"cpu": 1.25, "cuda": None},
    "SDPA bf16 causal fwd": {"cpu": None, "cuda": 1.5},
    "SDPA bf16 causal fwd+bwd": {"cpu": None, "cuda": 2.0},
    "SDPA fp32, seq 512, fwd + bwd": {"cpu": 1.5, "cuda": 1.5},
    "transformer training step": {"cpu": 1.5, "cuda": 1.5},
    "LSTM, 2 layers, hidden 256, seq 64, batch 32, fwd + bwd": {"cpu": 2.0, "cuda": 2.0},
    "matmul bf16 8192^3": {"cpu": None, "cuda": 1.05},
    "matmul fp16 8192^3": {"cpu": None, "cuda": 1.05},
    "transformer encoder layer training step, bf16 autocast": {"cpu": None, "cuda": 1.5},
}
# User-fused cases are also held to torch.compile's time for the same expression.
COMPILED_TARGETS = {"fused a * b + c": 1.0, "fused gelu_tanh": 1.0}
# Cold start is held to an absolute time (torch took 1.1 s on the cpu anchor machine).
COLD_START_TARGET_S = {"cpu": 0.5}

SIZES = {  # (device, quick)
    ("cpu", False): dict(tiny=(2, 2), vec=1 << 24, square=4096, matmul=(1024, 2048),
                         linear=(512, 1024, 1024), mlp=(512, (1024, 1024, 1024, 10)),
                         scatter=(1 << 22, 1 << 16), einsum=(64, 256, 256, 256),
                         batchnorm=(32, 64, 56, 56)),
    ("cpu", True): dict(tiny=(2, 2), vec=1 << 20, square=1024, matmul=(512,),
                        linear=(128, 512, 512), mlp=(128, (512, 512, 512, 10)),
                        scatter=(1 << 20, 1 << 14), einsum=(16, 128, 128, 128),
                        batchnorm=(8, 64, 28, 28)),
    ("cuda", False): dict(tiny=(1024,), vec=1 << 26, square=8192, matmul=(4096, 8192),
                          linear=(8192, 4096, 4096), mlp=(4096, (4096, 4096, 4096, 10)),
                          scatter=(1 << 22, 1 << 16), einsum=(64, 256, 256, 256),
                          batchnorm=(32, 64, 56, 56)),
    ("cuda", True): dict(tiny=(1024,), vec=1 << 22, square=2048, matmul=(2048,),
                         linear=(2048, 1024, 1024), mlp=(1024, (1024, 1024, 1024, 10)),
                         scatter=(1 << 22, 1 << 16), einsum=(64, 256, 256, 256),
                         batchnorm=(32, 64, 56, 56)),
    # Numba's CUDA simulator (a Python thread per CUDA thread): a plumbing check only
    ("cuda", "sim"): dict(tiny=(1024,), vec=1 << 12, square=32, matmul=(32,),
                          linear=(8, 32, 32), mlp=(8, (32, 32, 32, 10)),
                          scatter=(1 << 8, 1 << 4), einsum=(2, 8, 8, 8),
                          batchnorm=(2, 4, 4, 4)),
}
# conv2d cases: (batch, in channels, side, out channels), a 3x3 kernel with padding 1
CONV_SIZES = {("cpu", False): (32, 64, 56, 64), ("cpu", True): (8, 32, 28, 32),
              ("cuda", False): (32, 64, 56, 64), ("cuda", True): (32, 64, 56, 64),
              ("cuda", "sim"): (1, 2, 4, 2)}

# attention cases (cuda only: tm's fused attention has no cpu kernel): (batch, heads,
# sequence, head dim)
ATTENTION_SIZES = {("cuda", False): (8, 16, 2048, 64), ("cuda", True): (8, 16, 2048, 64),
                   ("cuda", "sim"): (1, 2, 8, 8)}

# small CNN training step (`python -m tensorrt_mini train`'s network on 1x28x28): the batch
CNN_BATCH = {("cpu", False): 128, ("cpu", True): 32, ("cuda", False): 128, ("cuda", True): 128,
             ("cuda", "sim"): 2}

# scaled_dot_product_attention: (batch, heads, sequence, head dim), as a transformer's
# layer with 8 heads of 64 runs it (quick: shorter sequences)
SDPA_SIZES = {("cpu", False): (4, 8, 512, 64), ("cpu", True): (2, 8, 256, 64),
              ("cuda", False): (4, 8, 512, 64), ("cuda", True): (4, 8, 512, 64),
              ("cuda", "sim"): (1, 2, 8, 4)}

# LSTM forward + backward: (seq, batch, input, hidden, layers)
LSTM_SIZES = {("cpu", False): (64, 32, 256, 256, 2), ("cpu", True): (64, 32, 256, 256, 2),
              ("cuda", False): (64, 32, 256, 256, 2), ("cuda", True): (64, 32, 256, 256, 2),
              ("cuda", "sim"): (3, 2, 4, 4, 2)}

# transformer encoder layer training step under bf16 autocast (cuda only: the GPU
# row): (batch, sequence, d_model, heads)
ENCODER_SIZES = {("cuda", False): (16, 512, 512, 8), ("cuda", True): (16, 512, 512, 8),
                 ("cuda", "sim"): (1, 4, 8, 2)}

# transformer training step (`train --model transformer`'s encoder): (batch, length, d_model)
SEQ_SIZES = {("cpu", False): (64, 8, 64), ("cpu", True): (32, 8, 64),
             ("cuda", False): (256, 64, 256), ("cuda", True): (256, 64, 256),
             ("cuda", "sim"): (2, 4, 8)}

# DataLoader epoch (cpu only): (images, batch size, workers); 60000 1x28x28 images as MNIST
LOADER_SIZES = {False: (60000, 256, 4), True: (6000, 256, 2)}


@dataclass
class Case:
    name: str
    size: str
    target: str        # key of TARGETS
    inputs: object     # rng -> tuple of host arrays
    make: dict         # spelling -> build(xp, *device_arrays) -> callable to time
    nbytes: int = 0    # bytes read plus written per call: GB/s
    flops: int = 0     # GFLOP/s
    timing: str = "device"  # "host": host time per op, device work included
    check: bool = True      # compare each library's result with torch's
    not_for: str = ""       # why libraries with another spelling sit this case out
    tol: float = 1e-3       # ||out - ref|| / ||ref|| allowed between two fp32 results

    def run(self, libs, settings, rng, device):
        return run_case(self, libs, settings, rng, TARGETS[self.target][device],
                        COMPILED_TARGETS.get(self.target))


def cases(device, quick, simulated=False):
    s = SIZES[device, "sim" if simulated else quick]
    tiny, n, q, (batch, fin, fout) = s["tiny"], s["vec"], s["square"], s["linear"]
    sq, vec = (q, q), f"2^{n.bit_length() - 1}"
    square = f"{q}²"
    out = [
        Case("a + b, host time", str(tiny), "tiny op, host time", uniform(tiny, 2),
             same(lambda xp, a, b: lambda: a + b), timing="host"),
        Case("a * b + c, host time", str(tiny), "tiny op, host time", uniform(tiny, 3),
             same(lambda xp, a, b, c: lambda: a * b + c), timing="host"),
        Case("a + b", vec, "contiguous add", uniform((n,), 2),
             same(lambda xp, a, b: lambda: a + b), nbytes=3 * F32 * n),
        *[Case(f"{op}(a)", vec, "transcendental", signed((n,), 1),
               (same if op in ("exp", "tanh") else torch_only)(
                   lambda xp, a, op=op: lambda: getattr(xp, op)(a)),
               nbytes=2 * F32 * n, not_for=f"numpy has no {op}")
          for op in ("exp", "tanh", "sigmoid", "erf")],
        Case("tm.elementwise a * b + c", vec, "fused a * b + c", uniform((n,), 3),
             fused(fma, lambda xp, a, b, c: a * b + c), nbytes=4 * F32 * n),
        Case("tm.elementwise gelu_tanh", vec, "fused gelu_tanh", signed((n,), 1),
             fused(gelu_tanh, lambda xp, x: 0.5 * x * (
                 1.0 + xp.tanh(0.7978845608 * (x + 0.044715 * x * x * x)))),
             nbytes=2 * F32 * n),
        Case("a + b.t()", square, "a + b.t()", uniform(sq, 2),
             {TORCH: lambda xp, a, b: lambda: a + b.t(),
              NUMPY: lambda xp, a, b: lambda: a + b.T}, nbytes=3 * F32 * q * q),
        Case("b.t().contiguous()", square, "b.t().contiguous()", uniform(sq, 1),
             {TORCH: lambda xp, b: lambda: b.t().contiguous(),
              NUMPY: lambda xp, b: lambda: xp.ascontiguousarray(b.T)}, nbytes=2 * F32 * q * q),
        Case("sum()", square, "sum()", uniform(sq, 1),
             same(lambda xp, a: lambda: a.sum()), nbytes=F32 * (q * q + 1)),
        Case("sum(0)", square, "sum(0)", uniform(sq, 1),
             same(lambda xp, a: lambda: a.sum(0)), nbytes=F32 * (q * q + q)),
        Case("sum(1)", square, "sum(1)", uniform(sq, 1),
             same(lambda xp, a: lambda: a.sum(1)), nbytes=F32 * (q * q + q)),
        Case("amax(1)", square, "amax(1)", uniform(sq, 1),
             {TORCH: lambda xp, a: lambda: a.amax(1),
              NUMPY: lambda xp, a: lambda: a.max(1)}, nbytes=F32 * (q * q + q)),
    ]
    for m in s["matmul"]:
        out += [
            Case("matmul a @ b", f"{m}³", "matmul", uniform((m, m), 2),
                 same(lambda xp, a, b: lambda: a @ b), flops=2 * m ** 3),
            Case("matmul a @ b.t()", f"{m}³", "matmul", uniform((m, m), 2),
                 {TORCH: lambda xp, a, b: lambda: a @ b.t(),
                  NUMPY: lambda xp, a, b: lambda: a @ b.T}, flops=2 * m ** 3),
        ]
    if device == "cuda":  # (numpy's BLAS has no half types: on the cpu, minutes a call)
        m = {False: 8192, True: 2048, "sim": 32}["sim" if simulated else quick]
        out += [half_matmul_case(m, "bfloat16", "matmul bf16 8192^3"),
                half_matmul_case(m, "float16", "matmul fp16 8192^3")]
    mlp_batch, widths = s["mlp"]
    out += [
        Case("linear + relu", f"{batch}×{fin}→{fout}", "linear + relu",
             linear_inputs(batch, fin, fout),
             {TORCH: lambda xp, x, w, b: lambda: xp.relu(x @ w.t() + b),
              NUMPY: lambda xp, x, w, b: lambda: xp.maximum(x @ w.T + b, 0)},
             flops=2 * batch * fin * fout),
        Case("MLP training step", f"{mlp_batch}×{'→'.join(map(str, widths))}",
             "MLP training step", mlp_inputs(mlp_batch, widths), {TORCH: mlp_step(widths)},
             flops=mlp_flops(mlp_batch, widths), check=False, not_for="no autograd"),
    ]
    values, bins = s["scatter"]
    eb, ei, ej, ek = s["einsum"]
    out += [
        Case("scatter_add_", f"2^{values.bit_length() - 1} into 2^{bins.bit_length() - 1}",
             "scatter_add_", scatter_inputs(values, bins),
             torch_only(lambda xp, v, i: _scatter_add(xp, v, i, bins)), nbytes=(F32 + 8) * values,
             not_for="numpy has no scatter_add_"),
        Case("sort", vec, "sort", signed((n,), 1),
             {TORCH: lambda xp, a: lambda: xp.sort(a)[0],
              NUMPY: lambda xp, a: lambda: xp.sort(a)}, nbytes=3 * F32 * n),
        Case("cumsum", vec, "cumsum", signed((n,), 1),
             same(lambda xp, a: lambda: xp.cumsum(a, 0)), nbytes=2 * F32 * n),
        Case("topk(k=100)", vec, "topk", signed((n,), 1),
             torch_only(lambda xp, a: lambda: xp.topk(a, 100)[0]), nbytes=F32 * n,
             not_for="numpy has no topk"),
        Case("einsum('bij,bjk->bik')", f"{eb}×{ei}×{ej}×{ek}", "einsum",
             lambda rng: (rng.random((eb, ei, ej), dtype=np.float32),
                          rng.random((eb, ej, ek), dtype=np.float32)),
             same(lambda xp, a, b: lambda: xp.einsum("bij,bjk->bik", a, b)),
             flops=2 * eb * ei * ej * ek),
        Case("BatchNorm2d + ReLU forward", "×".join(map(str, s["batchnorm"])),
             "BatchNorm2d + ReLU forward", signed(s["batchnorm"], 1),
             torch_only(batchnorm_relu), nbytes=4 * F32 * math.prod(s["batchnorm"]),
             not_for="numpy has no BatchNorm2d"),
        *conv_cases(CONV_SIZES[device, "sim" if simulated else quick]),
        cnn_case(CNN_BATCH[device, "sim" if simulated else quick]),
        sdpa_case(SDPA_SIZES[device, "sim" if simulated else quick]),
        transformer_case(*SEQ_SIZES[device, "sim" if simulated else quick]),
        lstm_case(LSTM_SIZES[device, "sim" if simulated else quick]),
        ColdStart(COLD_START_TARGET_S.get(device)),
    ]
    if device == "cuda":
        out += attention_cases(ATTENTION_SIZES[device, "sim" if simulated else quick])
        out.append(encoder_case(ENCODER_SIZES[device, "sim" if simulated else quick]))
    if device == "cpu" and not simulated:
        images, batch, workers = LOADER_SIZES[quick]
        out.append(Case("DataLoader epoch", f"{images}×1×28×28, batch {batch}, {workers} workers",
                        "DataLoader images/s", loader_inputs(images),
                        torch_only(loader_epoch(batch, workers)),
                        not_for="numpy has no DataLoader"))
    return out


def conv_cases(size):
    n, c, side, k = size
    flops = 2 * n * k * c * 9 * side * side  # one product of columns and weight
    label = f"{n}×{c}→{k}×{side}²"

    def inputs(rng):
        normal = lambda *shape: rng.standard_normal(shape, dtype=np.float32)
        return (normal(n, c, side, side), normal(k, c, 3, 3) / np.float32(np.sqrt(9 * c)),
                normal(k), normal(n, k, side, side))

    def forward(xp, x, w, b, g):
        nn = importlib.import_module(xp.__name__ + ".nn")
        return lambda: nn.functional.conv2d(x, w, b, padding=1)

    def training(xp, x, w, b, g):
        """Forward and backward to input, weight and bias; returns the weight's gradient."""
        nn = importlib.import_module(xp.__name__ + ".nn")
        for t in (x, w, b):
            t.requires_grad_()

        def step():
            for t in (x, w, b):
                t.grad = None
            nn.functional.conv2d(x, w, b, padding=1).backward(g)
            return w.grad
        return step
    return [
        Case("conv2d 3x3 forward", label, "conv2d 3x3 forward", inputs, torch_only(forward),
             flops=flops, not_for="numpy has no conv2d"),
        Case("conv2d 3x3 forward+backward", label, "conv2d 3x3 forward+backward", inputs,
             torch_only(training), flops=3 * flops, not_for="numpy has no conv2d"),
    ]


def attention_cases(size):
    """Causal self-attention, torch's scaled_dot_product_attention (its flash kernel on a
    GPU in bf16) against tm's nn.functional.flash_attention, forward and forward+backward,
    in bfloat16 and float32. FLOPs: 4 * B * H * L * S * E for the forward's two products,
    halved by the causal mask; 2.5 times that with the backward (its five products)."""
    b, h, seq, e = size
    label = f"{b}×{h}×{seq}×{e}"
    flops = 4 * b * h * seq * seq * e // 2

    def inputs(rng):
        return tuple(rng.standard_normal((b, h, seq, e), dtype=np.float32) for _ in range(4))

    def converted(xp, arrays, dtype):
        if not hasattr(xp, dtype):
            raise Skip(f"{xp.__name__} has no {dtype} yet")
        return [a.to(getattr(xp, dtype)) for a in arrays]

    def attention(xp):
        if xp.__name__ == "tensorrt_mini":
            return importlib.import_module(xp.__name__ + ".nn").functional.flash_attention
        return xp.nn.functional.scaled_dot_product_attention

    def forward(dtype):
        def build(xp, q, k, v, g):
            q, k, v = converted(xp, (q, k, v), dtype)
            fn = attention(xp)
            return lambda: _Float32(fn(q, k, v, is_causal=True))
        return build

    def training(dtype):
        def build(xp, q, k, v, g):
            q, k, v, g = converted(xp, (q, k, v, g), dtype)
            fn = attention(xp)
            for t in (q, k, v):
                t.requires_grad_()

            def step():
                for t in (q, k, v):
                    t.grad = None
                fn(q, k, v, is_causal=True).backward(g)
                return _Float32(q.grad)
            return step
        return build
    return [
        Case(f"SDPA {name} causal fwd", label, "SDPA bf16 causal fwd", inputs,
             torch_only(forward(dtype)), flops=flops, tol=tol, not_for="numpy has no attention")
        for name, dtype, tol in (("bf16", "bfloat16", 2e-2), ("fp32", "float32", 1e-3))
    ] + [
        Case(f"SDPA {name} causal fwd+bwd", label, "SDPA bf16 causal fwd+bwd", inputs,
             torch_only(training(dtype)), flops=5 * flops // 2, tol=tol,
             not_for="numpy has no attention")
        for name, dtype, tol in (("bf16", "bfloat16", 3e-2), ("fp32", "float32", 1e-3))
    ]


class _Float32:
    """A result that the runner reads back (`.cpu().numpy()`, or `.numpy()` on the cpu) as
    float32, since numpy has no bfloat16; wrapping it costs no device work in the timed
    call."""

    def __init__(self, t):
        self.t = t

    def cpu(self):
        return self.t.float().cpu()

    def numpy(self):
        return self.cpu().numpy()
def sdpa_case(size):
    """scaled_dot_product_attention forward and backward to query, key and value (no mask,
    no dropout); returns the query's gradient."""
    b, h, n, e = size

    def inputs(rng):
        return tuple(rng.standard_normal(size, dtype=np.float32) for _ in range(4))

    def build(xp, q, k, v, g):
        nn = importlib.import_module(xp.__name__ + ".nn")
        for t in (q, k, v):
            t.requires_grad_()

        def step():
            for t in (q, k, v):
                t.grad = None
            nn.functional.scaled_dot_product_attention(q, k, v).backward(g)
            return q.grad
        return step
    # the GEMMs: q k^T and p v forward; dv, dp, dq and dk backward
    return Case("scaled_dot_product_attention fwd+bwd", f"{b}×{h}×{n}×{e}",
                "SDPA fp32, seq 512, fwd + bwd", inputs, torch_only(build),
                flops=6 * 2 * b * h * n * n * e, not_for="numpy has no autograd")


def cnn_case(batch):
    """One AdamW step of the CNN walkthrough's network on a cross-entropy loss."""
    def inputs(rng):
        return (rng.random((batch, 1, 28, 28), dtype=np.float32),
                rng.integers(0, 6, size=batch, dtype=np.int64))

    def build(xp, x, y):
        from tensorrt_mini.cnn_demo import model
        net = model(nn=xp.nn).to(x.device)
        opt = xp.optim.AdamW(net.parameters(), lr=1e-3)

        def step():
            opt.zero_grad()
            loss = xp.nn.functional.cross_entropy(net(x), y)
            loss.backward()
            opt.step()
            return loss
        return step
    # conv FLOPs of forward, input and weight gradients (the first layer needs no input grad)
    flops = 2 * batch * 9 * (16 * 28 * 28 * 2 + 32 * 16 * 14 * 14 * 3)
    return Case("small CNN training step", f"{batch}×1×28×28", "small CNN training step", inputs,
                torch_only(build), flops=flops, check=False, not_for="no autograd")


def lstm_case(size):
    """nn.LSTM over a (seq, batch, input) sequence, the sum of its output backpropagated to
    the input and every weight; both libraries load the same weights, and the result
    compared is the input's gradient."""
    steps, batch, size_in, hidden, layers = size

    def inputs(rng):
        bound = np.float32(1 / np.sqrt(hidden))
        weights = []
        for layer in range(layers):
            width = size_in if layer == 0 else hidden
            for shape in ((4 * hidden, width), (4 * hidden, hidden), (4 * hidden,), (4 * hidden,)):
                weights.append((rng.random(shape, dtype=np.float32) * 2 - 1) * bound)
        return (rng.standard_normal((steps, batch, size_in), dtype=np.float32), *weights)

    def build(xp, x, *weights):
        lstm = xp.nn.LSTM(size_in, hidden, layers).to(x.device)
        lstm.load_state_dict(dict(zip(lstm.state_dict(), weights)))
        x.requires_grad_()

        def step():
            x.grad = None
            lstm(x)[0].sum().backward()
            return x.grad
        return step
    # GEMMs: the input projection, the recurrent product, and backward's three per layer
    flops = 2 * steps * batch * 4 * hidden * sum(
        (size_in if k == 0 else hidden) + hidden for k in range(layers)) * 3
    return Case("LSTM fwd + bwd", f"{layers}×{hidden}, seq {steps}, batch {batch}",
                "LSTM, 2 layers, hidden 256, seq 64, batch 32, fwd + bwd", inputs,
                torch_only(build), flops=flops, not_for="numpy has no LSTM")


def encoder_case(size):
    """One SGD step of nn.TransformerEncoderLayer (batch_first, no dropout) with its
    forward under bf16 autocast and a float32 loss, as a mixed-precision training loop
    runs it."""
    batch, seq, d, heads = size
    ff = 2048  # the layer's default dim_feedforward

    def inputs(rng):
        return (rng.standard_normal((batch, seq, d), dtype=np.float32),)

    def build(xp, x):
        layer_class = getattr(xp.nn, "TransformerEncoderLayer", None)
        if layer_class is None or not hasattr(xp, "autocast"):
            raise Skip(f"{xp.__name__} has no nn.TransformerEncoderLayer or autocast yet")
        layer = layer_class(d, heads, dim_feedforward=ff, dropout=0.0,
                            batch_first=True).to(x.device)
        opt = xp.optim.SGD(layer.parameters(), lr=1e-3)

        def step():
            opt.zero_grad()
            with xp.autocast(x.device.type, dtype=xp.bfloat16):
                out = layer(x)
            loss = out.float().pow(2).mean()
            loss.backward()
            opt.step()
            return loss
        return step
    tokens = batch * seq
    # forward matmuls: q, k, v and out projections, scores and their product with v, the
    # feed-forward pair; backward costs twice the forward
    forward = 2 * tokens * (4 * d * d + 2 * seq * d + 2 * d * ff)
    return Case("transformer encoder layer training step, bf16 autocast",
                f"batch {batch}, seq {seq}, d {d}, {heads} heads",
                "transformer encoder layer training step, bf16 autocast", inputs,
                torch_only(build), flops=3 * forward, check=False, not_for="no autograd")


def transformer_case(batch, length, d_model):
    """One AdamW step of an encoder like the sequence walkthrough's (embedding, two
    pre-norm TransformerEncoderLayers, a linear head) on a per-position cross-entropy."""
    def inputs(rng):
        x = rng.integers(0, 10, size=(batch, length), dtype=np.int64)
        return x, np.sort(x, axis=1)

    def build(xp, x, y):
        nn = xp.nn
        layer = nn.TransformerEncoderLayer(d_model, 4 if d_model % 4 == 0 else 1, 2 * d_model,
                                           dropout=0.0, batch_first=True, norm_first=True)
        net = nn.Sequential(nn.Embedding(10, d_model),
                            nn.TransformerEncoder(layer, 2, enable_nested_tensor=False),
                            nn.Linear(d_model, 10)).to(x.device)
        opt = xp.optim.AdamW(net.parameters(), lr=1e-3)

        def step():
            opt.zero_grad()
            loss = xp.nn.functional.cross_entropy(net(x).reshape(-1, 10), y.reshape(-1))
            loss.backward()
            opt.step()
            return loss
        return step
    # matmul FLOPs per token and layer: projections 8d², feed-forward 8d², scores and
    # mixing 4Ld; then the head, and the backward pass's two gradients (x3 in all)
    per_layer = 16 * d_model * d_model + 4 * length * d_model
    flops = 3 * batch * length * (2 * per_layer + 2 * d_model * 10)
    return Case("transformer training step", f"{batch}×{length}, d_model {d_model}",
                "transformer training step", inputs, torch_only(build), flops=flops,
                check=False, not_for="no autograd")


def loader_inputs(n):
    return lambda rng: (rng.random((n, 1, 28, 28), dtype=np.float32),
                        rng.integers(0, 10, size=n, dtype=np.int64))


def loader_epoch(batch, workers):
    """One epoch of a DataLoader over a TensorDataset of images and labels, with worker
    processes (started afresh each epoch, as without persistent_workers); the result is the
    last batch, which says that both libraries gave the batches in the same order."""
    def build(xp, images, labels):
        loader = xp.utils.data.DataLoader(xp.utils.data.TensorDataset(images, labels),
                                          batch_size=batch, num_workers=workers)

        def epoch():
            with warnings.catch_warnings():  # more workers than cores: torch warns each epoch
                warnings.simplefilter("ignore")
                for x, _ in loader:
                    pass
            return x
        return epoch
    return build


def scatter_inputs(values, bins):
    return lambda rng: (rng.random(values, dtype=np.float32),
                        rng.integers(0, bins, size=values, dtype=np.int64))


def _scatter_add(xp, v, i, bins):
    """scatter_add_ into bins that start at zero; repeated calls keep adding (the same work)."""
    z = xp.zeros(bins, dtype=v.dtype, device=v.device)
    return lambda: z.scatter_add_(0, i, v)


def half_matmul_case(m, dtype, target):
    """a @ b in a 16-bit float type, from torch's matmul in that type (numpy and CuPy have
    no bfloat16). Unchecked: the bench brings results home as numpy arrays."""
    def build(xp, a, b):
        a, b = a.to(getattr(xp, dtype)), b.to(getattr(xp, dtype))
        return lambda: a @ b
    return Case(f"matmul a @ b, {dtype}", f"{m}³", target, uniform((m, m), 2),
                torch_only(build), flops=2 * m ** 3, check=False,
                not_for=f"numpy has no {dtype}")


def same(build):
    """One spelling serves both styles."""
    return {TORCH: build, NUMPY: build}


def torch_only(build):
    return {TORCH: build}


def fma(a, b, c):
    return a * b + c


def gelu_tanh(x):
    return 0.5 * x * (1.0 + math.tanh(0.7978845608 * (x + 0.044715 * x * x * x)))


def fused(body, expression):
    """A kernel a user fuses: tensorrt_mini runs `body` as one tm.elementwise kernel,
    torch runs `expression(xp, *arrays)` op by op (eager), torch.compile compiles it."""
    def eager(xp, *arrays):
        if xp.__name__ == "tensorrt_mini":
            kernel = xp.elementwise(body)
            return lambda: kernel(*arrays)
        return lambda: expression(xp, *arrays)

    def compiled(xp, *arrays):
        fn = xp.compile(lambda *a: expression(xp, *a))
        return lambda: fn(*arrays)
    return {TORCH: eager, COMPILE: compiled}


# Random data, never zeros: zeros hide unwritten outputs and can run faster than real data.
def uniform(shape, count):
    return lambda rng: tuple(rng.random(shape, dtype=np.float32) for _ in range(count))


def signed(shape, count):
    """Values in [-4, 4): both signs, and both sides of the functions' branch points."""
    return lambda rng: tuple(rng.random(shape, dtype=np.float32) * 8 - 4 for _ in range(count))


def linear_inputs(batch, fin, fout):
    def make(rng):  # signed values, so relu clips about half of the outputs
        normal = lambda *shape: rng.standard_normal(shape, dtype=np.float32)
        return normal(batch, fin), normal(fout, fin) / np.float32(np.sqrt(fin)), normal(fout)
    return make


def mlp_inputs(batch, widths):
    return lambda rng: (rng.standard_normal((batch, widths[0]), dtype=np.float32),
                        rng.standard_normal((batch, widths[-1]), dtype=np.float32))


def mlp_step(widths, lr=1e-3):
    """One SGD step of Linear/ReLU layers on an MSE loss, written as for torch."""
    def build(xp, x, y):
        try:
            nn = importlib.import_module(xp.__name__ + ".nn")
            optim = importlib.import_module(xp.__name__ + ".optim")
        except ImportError as e:
            raise Skip(f"{xp.__name__}.nn / {xp.__name__}.optim not importable yet ({e})") from e
        layers = []
        for i, (a, b) in enumerate(zip(widths, widths[1:])):
            if i:
                layers.append(nn.ReLU())
            layers.append(nn.Linear(a, b))
        model = nn.Sequential(*layers).to(x.device)
        opt = optim.SGD(model.parameters(), lr=lr)
        loss_fn = nn.MSELoss()

        def step():
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return step
    return build


def batchnorm_relu(xp, x):
    """relu(BatchNorm2d(x)) in training mode (batch statistics, running ones updated), as
    a convolutional network's forward runs it; bytes: one read and one write per op. The
    result is detached (a view, no work) only so that the runner can compare it."""
    try:
        nn = importlib.import_module(xp.__name__ + ".nn")
    except ImportError as e:
        raise Skip(f"{xp.__name__}.nn not importable yet ({e})") from e
    bn = nn.BatchNorm2d(x.shape[1]).to(x.device)
    return lambda: nn.functional.relu(bn(x)).detach()


def mlp_flops(batch, widths):
    """Matmul FLOPs of a step: forward and weight gradients for every layer, input
    gradients for all but the first (the batch needs none). Elementwise work is left out."""
    layer = [2 * batch * a * b for a, b in zip(widths, widths[1:])]
    return 2 * sum(layer) + sum(layer[1:])

"""einsum: values against numpy's einsum over random equations (repeated subscripts,
ellipses, broadcasting, implicit outputs); shapes, errors and gradients against torch."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorrt_mini as tm
from oracle import host, needs_torch
from tensorrt_mini.backends import cuda_runtime


@st.composite
def equations(draw):
    """(equation, operand shapes): 1-3 operands over the labels a-e, each label with one
    size (some operands see it as 1, which broadcasts), an optional ellipsis, and an
    explicit or implicit output."""
    sizes = {c: draw(st.integers(1, 3)) for c in "abcde"}
    n_ops = draw(st.integers(1, 3))
    batch = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    use_ellipsis = draw(st.booleans())
    terms, shapes = [], []
    for _ in range(n_ops):
        labels = draw(st.lists(st.sampled_from("abcde"), max_size=4))
        shape = [sizes[c] if draw(st.integers(0, 4)) else 1 for c in labels]
        # a repeated label is a diagonal: its dims must agree
        for i, c in enumerate(labels):
            first = labels.index(c)
            shape[i] = shape[first]
        term = "".join(labels)
        if use_ellipsis and draw(st.booleans()):
            cut = draw(st.integers(0, len(batch)))
            term = "..." + term
            shape = list(batch[cut:]) + shape
        terms.append(term)
        shapes.append(tuple(shape))
    equation = ",".join(terms)
    if draw(st.booleans()):
        used = sorted({c for t in terms for c in t if c != "."})
        out = draw(st.permutations(used))[:draw(st.integers(0, len(used)))]
        lead = "..." if any("..." in t for t in terms) and draw(st.booleans()) else ""
        equation += "->" + lead + "".join(out)
    return equation, shapes


@settings(max_examples=60, deadline=None)
@given(equations(), st.integers(0, 2**32 - 1))
def test_einsum_matches_numpy(case, seed):
    equation, shapes = case
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    try:
        expected = np.einsum(equation, *arrays)
    except ValueError:  # numpy refuses some broadcasts of labelled size-1 dims that torch takes
        return
    got = tm.einsum(equation, *[tm.tensor(a) for a in arrays])
    assert tuple(got.shape) == np.shape(expected)
    np.testing.assert_allclose(host(got), expected, rtol=1e-10, atol=1e-12)


CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
    ("ij->ji", [(2, 3)]), ("...ij,...jk->...ik", [(4, 2, 3), (3, 5)]), ("i,j->ij", [(3,), (4,)]),
    ("i,i->", [(3,), (3,)]), ("ij,ij->ij", [(1, 3), (2, 3)]), ("iij->ji", [(3, 3, 2)]),
    ("ijk,jil->kl", [(2, 3, 4), (3, 2, 5)]), ("...ij->ij", [(4, 2, 3)]),
    ("i...->...", [(4, 2, 3)]), ("...,...->...", [(4, 1, 3), (2, 1)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]), ("ab,cd,ef->", [(2, 2)] * 3),
    ("Ba,ab", [(2, 3), (3, 2)]), ("ij,kj->ik", [(1, 3), (2, 1)]), ("ij,jk", [(2, 0), (0, 3)]),
    ("i j -> j i", [(2, 3)]),
    # errors
    ("ij,jk->ik", [(2, 3), (4, 4)]), ("ij", [(2, 3, 4)]), ("ij->k", [(2, 3)]), ("ii", [(2, 3)]),
    ("ij->ii", [(2, 3)]), ("ij->ij,", [(2, 3)]), ("ij,jk->ik", [(2, 3)]), ("i", [(2,), (2,)]),
    ("i.j", [(2, 3)]), ("ij->i.j", [(2, 3)]), ("i...j...", [(2, 3)]),
]


def _outcome(lib, equation, arrays):
    try:
        out = lib.einsum(equation, *[lib.tensor(a) for a in arrays])
    except Exception as e:  # the error is the result to compare
        return f"{type(e).__name__}: {e}"
    return tuple(out.shape), np.round(np.array(out.tolist()), 10).tolist()


@pytest.mark.parametrize("equation, shapes", CASES)
def test_shapes_values_and_errors_match_torch(equation, shapes):
    torch = needs_torch()
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    assert _outcome(tm, equation, arrays) == _outcome(torch, equation, arrays)


def test_operand_list_and_sublist_forms():
    a, b = tm.arange(6.).view(2, 3), tm.arange(12.).view(3, 4)
    expected = (a @ b).tolist()
    assert tm.einsum("ij,jk", [a, b]).tolist() == expected
    assert tm.einsum(a, [0, 1], b, [1, 2], [0, 2]).tolist() == expected
    assert tm.einsum(a, [Ellipsis, 1], b, [1, 2]).tolist() == expected
    assert tm.einsum("ij->ji", a).stride() == (1, 3)  # a view, as torch's


def test_mixed_dtypes_are_refused_as_torch():
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        tm.einsum("ij,jk", tm.ones(2, 3), tm.ones(3, 2, dtype=tm.float64))


@pytest.mark.parametrize("equation, shapes", [
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]), ("ii->i", [(3, 3)]), ("ij,ij->", [(2, 3), (1, 3)]),
    ("...ij,jk", [(2, 2, 3), (3, 2)]), ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
])
def test_gradients_match_torch(equation, shapes):
    torch = needs_torch()
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in shapes]
    grads = []
    for lib in (tm, torch):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        y = lib.einsum(equation, *xs)
        (y * lib.arange(1.0, y.numel() + 1, dtype=lib.float64).reshape(y.shape)).sum().backward()
        grads.append([np.array(x.grad.tolist()) for x in xs])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_on_cuda_as_on_cpu():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 2, 3)), rng.standard_normal((2, 3, 2))
    results = [tm.einsum("bij,bjk->bik", tm.tensor(a, device=d), tm.tensor(b, device=d)).tolist()
               for d in ("cpu", "cuda")]
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_a_plan_is_reused_only_for_the_same_shapes_and_dtype():
    # einsum works its plan out once per (equation, shapes, dtype) and replays it
    torch = needs_torch()
    rng = np.random.default_rng(3)
    for shapes in ([(2, 3), (3, 4)], [(5, 3), (3, 1)], [(2, 3), (3, 4)], [(1, 1), (1, 6)]):
        arrays = [rng.standard_normal(s) for s in shapes]
        assert _outcome(tm, "ij,jk->ik", arrays) == _outcome(torch, "ij,jk->ik", arrays)
    for dtype in ("float64", "int32", "float32", "int64", "bfloat16"):
        pair = [lib.arange(1, 6).to(getattr(lib, dtype)) for lib in (tm, torch)]
        ours, theirs = (lib.einsum("i,i->", x, x) for lib, x in zip((tm, torch), pair))
        assert str(ours.dtype) == str(theirs.dtype) and ours.item() == theirs.item()


def test_a_replayed_plan_records_gradients_where_its_first_run_did_not():
    torch = needs_torch()
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s) for s in [(4,), (4,), (2, 3), (3, 3)]]
    tm.einsum("i,i->", tm.tensor(arrays[0]), tm.tensor(arrays[1]))  # plans without grad
    tm.einsum("ij,jj->i", tm.tensor(arrays[2]), tm.tensor(arrays[3]))
    for lib in (tm, torch):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        (lib.einsum("i,i->", xs[0], xs[1]) * 3 + lib.einsum("ij,jj->i", xs[2], xs[3]).sum()).backward()
        if lib is tm:
            ours = [np.array(x.grad.tolist()) for x in xs]
    for mine, x in zip(ours, xs):
        np.testing.assert_allclose(mine, x.grad.numpy(), rtol=1e-12)

"""Derivatives of the LAPACK-backed ops (ops/factorizations.py), for real matrices.

Notation: g is the gradient of the op's result, X^T the transpose of the last two dims.
QR, SVD and eigh have several results; a loss may use any of them, so their backward
gets one gradient per result (None for an unused one). Their vector results are defined
up to sign, and the formulas assume distinct singular values and eigenvalues, as torch's.
"""
from ... import creation
from ...ops import factorizations as F
from ...ops.diagonals import diag_embed
from ...ops.joining import cat
from ..graph import OutputPort, alias, edge, node_class, record, run
from .common import register, sum_to


def _mT(x):
    return x.transpose(-1, -2)


def _record_results(name, outs, inputs, fn, saved, differentiable):
    """`record` for an op with several results: each differentiable one enters the node
    through its own port; fn(grads, *saved) gets a gradient or None per result. Saved
    results are kept as aliases, so the node does not keep its own outputs alive."""
    saved = tuple(alias(t) if any(t is o for o in outs) else t for t in saved)
    node = node_class(name)(fn, tuple(edge(x) for x in inputs), saved)
    for k, (t, d) in enumerate(zip(outs, differentiable)):
        if d:
            t.grad_fn = node
            t._requires_grad = True
            t._port = OutputPort(node, k, len(outs))
    return outs


def _eye_mask(n, like):
    return creation.eye(n, dtype=bool, device=like._storage.device)


def _off_diagonal_reciprocal(e):
    """1 / e off the diagonal of the last two dims, 0 on it (where e is 0)."""
    eye = _eye_mask(e._shape[-1], e)
    return e.masked_fill(eye, 1).reciprocal().masked_fill(eye, 0)


@register("linalg_inv")
def _inv(raw, A):
    Y = run(raw, A)

    def backward(g, y):  # d(A^-1) = -A^-1 dA A^-1
        yt = _mT(y)
        return (-(yt @ g @ yt),)
    return record("LinalgInvExBackward0", Y, (A,), backward, (Y,))


def _det_times_inverse_transposed(a):
    """det(a) a^-T, which is defined for singular a too: from a = U S Vh it is
    det(U) det(Vh) U diag(prod of the other singular values) Vh."""
    u, s, vh = F.linalg_svd(a, False)
    n = s._shape[-1]
    others = s.unsqueeze(-2).expand(s._shape + (n,)).masked_fill(_eye_mask(n, s), 1).prod(-1)
    sign = F.linalg_det(u) * F.linalg_det(vh)
    return (u * (others * sign.unsqueeze(-1)).unsqueeze(-2)) @ vh


@register("linalg_det")
def _det(raw, A):
    d = run(raw, A)

    def backward(g, a):  # d det = det tr(A^-1 dA)
        return (g.unsqueeze(-1).unsqueeze(-1) * _det_times_inverse_transposed(a),)
    return record("LinalgDetBackward0", d, (A,), backward, (A,))


@register("linalg_slogdet")
def _slogdet(raw, A):
    sign, logabsdet = run(raw, A)

    def backward(grads, a):  # d log|det| = tr(A^-1 dA); the sign is piecewise constant
        g = grads[1]
        return (None if g is None else g.unsqueeze(-1).unsqueeze(-1) * _mT(F.linalg_inv(a)),)
    return _record_results("LinalgSlogdetBackward0", (sign, logabsdet), (A,), backward, (A,),
                           (False, True))


@register("linalg_solve")
def _solve(raw, A, B, left=True):
    X = run(raw, A, B, left)
    vector = F.solve_is_vector(A, B)
    need_a, need_b = A._requires_grad, B._requires_grad
    a_shape, b_shape = A._shape, B._shape

    def backward(g, a, x):
        # AX = B: gB solves A^T gB = g, gA = -gB X^T (XA = B: gB A^T = g, gA = -X^T gB);
        # a vector B is a column
        gb = F.linalg_solve(_mT(a), g, left)
        ga = None
        if need_a:
            gm, xm = (gb.unsqueeze(-1), x.unsqueeze(-1)) if vector else (gb, x)
            ga = sum_to(-(gm @ _mT(xm)) if left else -(_mT(xm) @ gm), a_shape)
        return ga, sum_to(gb, b_shape) if need_b else None
    return record("LinalgSolveExBackward0", X, (A, B), backward, (A, X))


def _phi(x):
    """The lower triangle of x with its diagonal halved."""
    return x.tril(-1) + diag_embed(x.diagonal(0, -2, -1) * 0.5)


@register("linalg_cholesky")
def _cholesky(raw, A, upper=False):
    out = run(raw, A, upper)

    def backward(g, low):
        # A = L L^T: gA = L^-T phi(L^T gL) L^-1, symmetrised (A is read as symmetric)
        if upper:
            low, g = _mT(low), _mT(g)
        inv = F.linalg_inv(low)
        s = _mT(inv) @ _phi(_mT(low) @ g.tril()) @ inv
        return ((s + _mT(s)) * 0.5,)
    return record("LinalgCholeskyExBackward0", out, (A,), backward, (out,))


QR_WITHOUT_Q = ("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
                "through linalg.qr.")
QR_COMPLETE_TALL = ("The QR decomposition is not differentiable when mode='complete' and "
                    "nrows > ncols.")


def _qr_backward_tall(gq, gr, q, r):
    """A = QR with m >= n: with M = gR R^T - Q^T gQ and N its upper triangle copied below,
    gA = (gQ + Q N) R^-T."""
    m = gr @ _mT(r) - _mT(q) @ gq
    n = m.triu() + _mT(m.triu(1))
    return F.linalg_solve(_mT(r), gq + q @ n, left=False)


@register("linalg_qr")
def _qr(raw, A, mode="reduced"):
    Q, R = run(raw, A, mode)
    rows, cols = A._shape[-2:]

    def backward(grads, q, r):
        if mode == "r":
            raise RuntimeError(QR_WITHOUT_Q)
        if mode == "complete" and rows > cols:
            raise RuntimeError(QR_COMPLETE_TALL)
        gq, gr = (creation.zeros_like(t) if g is None else g for g, t in zip(grads, (q, r)))
        if rows >= cols:
            return (_qr_backward_tall(gq, gr, q, r),)
        # wide: A = [X | Y] with X = QU the square part and Y = QV
        u, v = r.narrow(-1, 0, rows), r.narrow(-1, rows, cols - rows)
        gu, gv = gr.narrow(-1, 0, rows), gr.narrow(-1, rows, cols - rows)
        y = q @ v
        gx = _qr_backward_tall(gq + y @ _mT(gv), gu, q, u)
        return (cat([gx, q @ gv], -1),)
    return _record_results("LinalgQrBackward0", (Q, R), (A,), backward, (Q, R), (True, True))


def _svd_backward(gu, gs, gvh, u, s, vh):
    """A = U diag(S) Vh, reduced (k = min(m, n) vectors), distinct nonzero S:
    gA = U [diag(gS) + (F o (U^T gU - gU^T U)) S + S (F o (V^T gV - gV^T V))] Vh
         + (I - U U^T) gU S^-1 Vh + U S^-1 gV^T (I - V Vh),
    with F_ij = 1 / (s_j^2 - s_i^2) off the diagonal and 0 on it."""
    if gu is None and gvh is None:
        return (u * gs.unsqueeze(-2)) @ vh
    s2 = s * s
    f = _off_diagonal_reciprocal(s2.unsqueeze(-2) - s2.unsqueeze(-1))
    inner = 0 if gs is None else diag_embed(gs)
    extra = 0
    if gu is not None:
        j = _mT(u) @ gu
        inner = inner + f * (j - _mT(j)) * s.unsqueeze(-2)
        extra = ((gu - u @ j) / s.unsqueeze(-2)) @ vh
    if gvh is not None:
        k = vh @ _mT(gvh)  # V^T gV
        inner = inner + s.unsqueeze(-1) * (f * (k - _mT(k)))
        extra = extra + u @ ((gvh - (gvh @ _mT(vh)) @ vh) / s.unsqueeze(-1))
    return u @ inner @ vh + extra


@register("linalg_svd")
def _svd(raw, A, full_matrices=True):
    U, S, Vh = run(raw, A, full_matrices)

    def backward(grads, u, s, vh):
        gu, gs, gvh = grads
        if full_matrices:  # only the first k vectors are determined by A
            k = s._shape[-1]
            u, vh = u.narrow(-1, 0, k), vh.narrow(-2, 0, k)
            gu = None if gu is None else gu.narrow(-1, 0, k)
            gvh = None if gvh is None else gvh.narrow(-2, 0, k)
        return (_svd_backward(gu, gs, gvh, u, s, vh),)
    return _record_results("LinalgSvdBackward0", (U, S, Vh), (A,), backward, (U, S, Vh),
                           (True, True, True))


@register("linalg_svdvals")
def _svdvals(raw, A):
    F.check_matrices("linalg.svd", A, square=False)
    u, s, vh = run(F.linalg_svd.raw, A, False)
    return record("LinalgSvdBackward0", s, (A,),
                  lambda g, u, vh: ((u * g.unsqueeze(-2)) @ vh,), (u, vh))


@register("linalg_eigh")
def _eigh(raw, A, UPLO="L"):
    w, V = run(raw, A, UPLO)

    def backward(grads, w, v):
        # A = V diag(w) V^T: gA = V (diag(gw) + (V^T gV) / E) V^T, E_ij = w_j - w_i
        gw, gv = grads
        inner = 0 if gw is None else diag_embed(gw)
        if gv is not None:
            inner = inner + (_mT(v) @ gv) * _off_diagonal_reciprocal(
                w.unsqueeze(-2) - w.unsqueeze(-1))
        return (v @ inner @ _mT(v),)
    return _record_results("LinalgEighBackward0", (w, V), (A,), backward, (w, V), (True, True))


@register("linalg_eigvalsh")
def _eigvalsh(raw, A, UPLO="L"):
    F.check_matrices("linalg.eigh", A)
    w, v = run(F.linalg_eigh.raw, A, UPLO)
    return record("LinalgEighBackward0", w, (A,),
                  lambda g, v: ((v * g.unsqueeze(-2)) @ _mT(v),), (v,))

"""What a scalar body returns, found by compiling it with Numba for the CPU: the result
dtypes of a user's kernel (tm.elementwise, tm.reduction) follow from it, and a body that
does not compile fails here with one clear error."""
import numba as nb
import numpy as np

from ..scalar import BodyError, numba_reason, prepare
from . import generated
from .scalar_math import LIBM


_typed = {}


def result_types(body, dtypes, literals=None):
    """The numpy dtypes `body` returns (a tuple, one per output) for arguments of `dtypes`
    (each a dtype, or a tuple of them for a tuple argument), its literals in `literals`
    (default: the last argument's dtype); a body that does not compile raises one BodyError
    that names the function, the dtypes and Numba's reason."""
    dtypes = tuple(tuple(map(np.dtype, d)) if isinstance(d, tuple) else np.dtype(d)
                   for d in dtypes)
    literals = np.dtype(literals) if literals is not None else dtypes[-1]
    key = (body.key, dtypes, literals)
    hit = _typed.get(key)
    if hit is None:
        hit = _typed[key] = _from_disk(key) or _to_disk(key, _compile(body, dtypes, literals))
    return hit


def _compile(body, dtypes, literals):
    dispatcher = nb.njit(prepare(body.fn, literals, LIBM))
    try:
        dispatcher.compile(tuple(_numba_type(d) for d in dtypes))
    except nb.core.errors.NumbaError as e:
        args = ", ".join(_name(d) for d in dtypes)
        raise BodyError(f"{body.name}({args}) does not compile: {numba_reason(e)}") from None
    ret = dispatcher.nopython_signatures[0].return_type
    outs = tuple(ret.types) if isinstance(ret, nb.types.BaseTuple) else (ret,)
    try:
        return tuple(np.dtype(nb.np.numpy_support.as_dtype(t)) for t in outs)
    except NotImplementedError:
        raise BodyError(f"{body.name} returns {ret}, not numbers") from None


# Typing compiles the body (seconds for a long one), so its answer is kept on disk beside
# the generated kernels, keyed like them by the body and the code that prepares it.
_SOURCE_ID = generated.source_id("cpu/body_types.py", "cpu/scalar_math.py", "scalar.py")


def _path(key):
    return generated.folder() / (generated.stem("types", repr(key), _SOURCE_ID) + ".txt")


def _from_disk(key):
    try:
        return tuple(np.dtype(name) for name in _path(key).read_text().split())
    except (OSError, TypeError):
        return None


def _to_disk(key, result):
    try:
        generated.write(_path(key), " ".join(d.name for d in result))
    except OSError:  # an unwritable cache only costs the next process the compile
        pass
    return result


def _numba_type(d):
    if isinstance(d, tuple):
        return nb.types.Tuple(tuple(nb.from_dtype(x) for x in d))
    return nb.from_dtype(d)


def _name(d):
    return "(" + ", ".join(x.name for x in d) + ")" if isinstance(d, tuple) else d.name

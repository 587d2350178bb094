"""The standard's inspection API: __array_namespace_info__()."""
from .. import dtypes as D
from ..backends import cuda_runtime
from ..device import device as _device

_DTYPES = {"bool": D.bool_, "int8": D.int8, "int16": D.int16, "int32": D.int32,
           "int64": D.int64, "uint8": D.uint8, "float32": D.float32, "float64": D.float64,
           "complex64": D.complex64, "complex128": D.complex128}

_KINDS = {
    "bool": ("bool",),
    "signed integer": ("int8", "int16", "int32", "int64"),
    "unsigned integer": ("uint8",),
    "integral": ("int8", "int16", "int32", "int64", "uint8"),
    "real floating": ("float32", "float64"),
    "complex floating": ("complex64", "complex128"),
    "numeric": ("int8", "int16", "int32", "int64", "uint8", "float32", "float64", "complex64",
                "complex128"),
}


class Info:
    """What this namespace offers: capabilities, devices and dtypes."""

    __module__ = "tensorrt_mini.array_api"

    def capabilities(self):
        return {"boolean indexing": True, "data-dependent shapes": True,
                "max dimensions": 64}

    def default_device(self):
        return _device("cpu")

    def devices(self):
        found = [_device("cpu")]
        if cuda_runtime.is_available():
            found.append(_device("cuda", 0))  # tm runs on one GPU, cuda:0
        return found

    def default_dtypes(self, *, device=None):
        return {"real floating": D.get_default_dtype(), "complex floating": D.default_complex(),
                "integral": D.int64, "indexing": D.int64}

    def dtypes(self, *, device=None, kind=None):
        if kind is None:
            return dict(_DTYPES)
        kinds = kind if isinstance(kind, tuple) else (kind,)
        out = {}
        for k in kinds:
            if isinstance(k, D.dtype):
                out[k.name] = k
            elif k in _KINDS:
                out.update((name, _DTYPES[name]) for name in _KINDS[k])
            else:
                raise ValueError(f"unknown dtype kind {k!r}")
        return out


def __array_namespace_info__():
    return Info()

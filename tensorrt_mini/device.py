"""Device descriptors: `device("cpu")`, `device("cuda")`, `device("cuda", 1)`, `device("cuda:1")`."""


class device:
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if not isinstance(type, str):
            raise TypeError(f"device() expected a string, got {type.__class__.__name__}")
        if ":" in type:
            if index is not None:
                raise ValueError(f"type (string) must not include an index because index was passed explicitly: {type}")
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {type}"
            )
        if type == "cpu" and index not in (None, 0):
            raise RuntimeError(f"CPU device index must be -1 or zero, got {index}")
        self.type = type
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


_interned = {}


def as_device(d):
    """Normalise a device argument to one shared object per device, so that ops compare
    devices by identity; a tensor's cuda device always carries an index."""
    if d is None:
        return CPU
    if isinstance(d, device):
        dev = d
    elif isinstance(d, int):
        dev = device("cuda", d)
    else:
        dev = device(d)
    if dev.type == "cpu":
        return CPU
    key = dev.index or 0
    shared = _interned.get(key)
    if shared is None:  # setdefault: two threads interning at once get one object
        shared = _interned.setdefault(key, device("cuda", key))
    return shared

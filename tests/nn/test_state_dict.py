"""state_dict and load_state_dict against torch: metadata, the hooks' calls and effects,
subclasses that convert old layouts, and errors raised before anything is written."""
import numpy as np
import pytest

import tensorrt_mini as tm


def _model(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4),
                             lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Linear(4, 2)))


def _values(sd):
    return {k: np.asarray(v.detach().numpy()) for k, v in sd.items()}


def test_metadata_as_torch():
    torch = pytest.importorskip("torch")
    mine, theirs = _model(tm).state_dict(), _model(torch).state_dict()
    assert list(mine) == list(theirs)
    assert mine._metadata == theirs._metadata


def _record(lib, log):
    model = _model(lib)
    inner = model[2]
    inner.register_state_dict_pre_hook(lambda m, prefix, keep: log.append(("pre", prefix, keep)))

    def post(m, sd, prefix, meta):
        log.append(("post", prefix, sorted(sd), dict(meta)))
        sd[prefix + "note"] = lib.tensor(1.0)
    inner.register_state_dict_post_hook(post)
    sd = model.state_dict(keep_vars=True)
    log.append(("keys", list(sd)))

    def load_pre(m, sd, prefix, meta, strict, missing, unexpected, errors):
        log.append(("load_pre", type(m).__name__, prefix, dict(meta), strict))
        sd.pop(prefix + "note")  # torch's use: convert an old layout as it loads
    inner.register_load_state_dict_pre_hook(load_pre)

    def load_post(m, keys):
        log.append(("load_post", list(keys.missing_keys), list(keys.unexpected_keys)))
    model.register_load_state_dict_post_hook(load_post)
    result = model.load_state_dict(sd)
    log.append(("result", list(result.missing_keys), list(result.unexpected_keys)))
    return log


def test_hooks_are_called_as_torch():
    torch = pytest.importorskip("torch")
    assert _record(tm, []) == _record(torch, [])


def test_post_hook_may_forgive_missing_keys_as_torch():
    torch = pytest.importorskip("torch")
    outcomes = []
    for lib in (tm, torch):
        model = _model(lib)
        sd = model.state_dict()
        del sd["0.bias"]
        sd["extra"] = lib.zeros(1)
        def forgive(m, keys):
            keys.missing_keys.clear()
            keys.unexpected_keys.clear()
        model.register_load_state_dict_post_hook(forgive)
        outcomes.append(tuple(model.load_state_dict(sd)))
    assert outcomes[0] == outcomes[1] == ([], [])


def test_a_returning_public_post_hook_is_refused_as_torch():
    torch = pytest.importorskip("torch")
    messages = []
    for lib in (tm, torch):
        model = _model(lib)
        model.register_state_dict_post_hook(lambda m, sd, prefix, meta: {})
        with pytest.raises(RuntimeError) as e:
            model.state_dict()
        messages.append(str(e.value))
        hook = model._state_dict_hooks[next(iter(model._state_dict_hooks))]
        with pytest.raises(RuntimeError):
            model._register_state_dict_hook(hook)
    assert messages[0] == messages[1]


def test_private_post_hook_may_replace_the_root_dict():
    model = _model(tm)
    model._register_state_dict_hook(lambda m, sd, prefix, meta: {"only": 1})
    assert model.state_dict() == {"only": 1}


def test_a_returning_load_post_hook_is_refused_as_torch():
    torch = pytest.importorskip("torch")
    messages = []
    for lib in (tm, torch):
        model = _model(lib)
        model.register_load_state_dict_post_hook(lambda m, keys: keys)
        with pytest.raises(AssertionError) as e:
            model.load_state_dict(model.state_dict())
        messages.append(str(e.value))
    assert messages[0] == messages[1]


def test_a_hook_handle_removes_it():
    model = _model(tm)
    calls = []
    handle = model.register_load_state_dict_post_hook(lambda m, keys: calls.append(1))
    sd = model.state_dict()
    model.load_state_dict(sd)
    handle.remove()
    model.load_state_dict(sd)
    assert calls == [1]


class _Renamed(tm.nn.Linear):
    """A layer whose version 1 saved its weight as "w": its own _load_from_state_dict
    converts, as torch's modules do."""
    _version = 2

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing,
                              unexpected, errors):
        if local_metadata.get("version", 1) < 2 and prefix + "w" in state_dict:
            state_dict[prefix + "weight"] = state_dict.pop(prefix + "w")
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing,
                                      unexpected, errors)


def test_a_subclass_converts_an_old_layout_through_the_metadata():
    old = tm.nn.Sequential(tm.nn.Linear(2, 2))
    sd = old.state_dict()
    sd["0.w"] = sd.pop("0.weight")
    sd._metadata["0"]["version"] = 1
    new = tm.nn.Sequential(_Renamed(2, 2))
    assert tuple(new.load_state_dict(sd)) == ([], [])
    assert new[0].weight.tolist() == old[0].weight.tolist()
    assert new.state_dict()._metadata["0"] == {"version": 2}


def test_a_bad_entry_writes_nothing():
    model = _model(tm)
    before = _values(model.state_dict())
    sd = {k: v + 1 for k, v in model.state_dict().items()}
    sd["2.1.weight"] = tm.zeros(5, 5)  # the last entry is the wrong shape
    with pytest.raises(RuntimeError, match=r"size mismatch for 2\.1\.weight"):
        model.load_state_dict(sd)
    after = _values(model.state_dict())
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_errors_and_keys_as_torch():
    torch = pytest.importorskip("torch")
    outcomes = []
    for lib in (tm, torch):
        model = _model(lib)
        sd = model.state_dict()
        del sd["1.running_mean"]
        sd["2.0.weight"] = lib.zeros(1)
        sd["2.1.bias"] = lib.zeros(7)
        sd["1.num_batches_tracked"] = lib.tensor([3])  # 0-d, saved as one element
        with pytest.raises(RuntimeError) as e:
            model.load_state_dict(sd)
        outcomes.append(str(e.value))
        outcomes.append(tuple(model.load_state_dict(
            {k: v for k, v in sd.items() if k != "2.1.bias"}, strict=False)))
        outcomes.append(int(model[1].num_batches_tracked))
    assert outcomes[:3] == outcomes[3:]

"""Upsample and the pixel shuffles: torch's reprs, and forward as the functional form."""
import pytest

import tensorrt_mini as tm
from tensorrt_mini import nn

REPRS = [
    (lambda: nn.Upsample(scale_factor=2), "Upsample(scale_factor=2.0, mode='nearest')"),
    (lambda: nn.Upsample(size=(3, 4), mode="bilinear"), "Upsample(size=(3, 4), mode='bilinear')"),
    (lambda: nn.Upsample(scale_factor=2.5, mode="bilinear", align_corners=True),
     "Upsample(scale_factor=2.5, mode='bilinear')"),
    (lambda: nn.Upsample(size=3, mode="linear", align_corners=False),
     "Upsample(size=3, mode='linear')"),
    (lambda: nn.Upsample(scale_factor=(2, 3), recompute_scale_factor=True),
     "Upsample(scale_factor=(2.0, 3.0), mode='nearest')"),
    (lambda: nn.PixelShuffle(2), "PixelShuffle(upscale_factor=2)"),
    (lambda: nn.PixelUnshuffle(3), "PixelUnshuffle(downscale_factor=3)"),
]


@pytest.mark.parametrize("make,text", REPRS, ids=[t for _, t in REPRS])
def test_repr(make, text):
    assert repr(make()) == text


def test_forward_is_the_functional_form():
    F = tm.nn.functional
    x = tm.arange(48.0).view(1, 4, 3, 4)
    assert tm.equal(nn.Upsample(scale_factor=(1.5, 0.5), mode="bilinear", align_corners=True)(x),
                    F.interpolate(x, scale_factor=(1.5, 0.5), mode="bilinear", align_corners=True))
    assert tm.equal(nn.Upsample(size=5)(x), F.interpolate(x, size=5))
    assert tm.equal(nn.Upsample(scale_factor=1.7, recompute_scale_factor=True)(x),
                    F.interpolate(x, scale_factor=1.7, recompute_scale_factor=True))
    assert tm.equal(nn.PixelShuffle(2)(x), F.pixel_shuffle(x, 2))
    assert tm.equal(nn.PixelUnshuffle(2)(x[:, :, :2]), F.pixel_unshuffle(x[:, :, :2], 2))


@pytest.mark.parametrize("expr", [
    "L.nn.Upsample(scale_factor=2, mode='bicubic', align_corners=True)",
    "L.nn.Upsample(size=(2, 3, 4), mode='trilinear')",
    "L.nn.Upsample(scale_factor=(1.5, 2.0, 0.5), mode='nearest-exact')",
])
def test_new_modes_repr_as_torch(expr):
    torch = pytest.importorskip("torch")
    assert repr(eval(expr, {"L": tm})) == repr(eval(expr, {"L": torch}))


def test_new_modes_forward_is_the_functional_form():
    F = tm.nn.functional
    x = tm.arange(48.0).view(1, 2, 2, 3, 4)
    assert tm.equal(nn.Upsample(scale_factor=(1.5, 1.0, 0.5), mode="trilinear")(x),
                    F.interpolate(x, scale_factor=(1.5, 1.0, 0.5), mode="trilinear"))
    assert tm.equal(nn.Upsample(size=(3, 5, 2), mode="nearest-exact")(x),
                    F.interpolate(x, size=(3, 5, 2), mode="nearest-exact"))
    assert tm.equal(nn.Upsample(size=5, mode="bicubic", align_corners=True)(x[0]),
                    F.interpolate(x[0], size=5, mode="bicubic", align_corners=True))

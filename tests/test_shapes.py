"""The generated shapes set: deterministic, balanced, in range, and not separable by its
mean brightness alone (the CNN must look at the shapes)."""
import numpy as np

from tensorrt_mini import shapes


def test_images_are_deterministic_balanced_and_in_range():
    x, y = shapes.make(600, seed=3)
    assert x.shape == (600, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [100] * len(shapes.CLASSES)
    assert 0.0 <= x.min() and x.max() <= 1.0
    x2, y2 = shapes.make(600, seed=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(shapes.make(600, seed=4)[0], x)


def test_each_class_draws_its_shape():
    x, y = shapes.make(300, seed=0)
    clean = x[:, 0] > 0.5  # the shape's pixels stand above the noise
    bar_across, bar_down = clean[y == 0], clean[y == 1]
    # a bar across spans more columns than rows, a bar down more rows than columns
    assert (bar_across.any(1).sum(1) > bar_across.any(2).sum(1)).mean() > 0.9
    assert (bar_down.any(2).sum(1) > bar_down.any(1).sum(1)).mean() > 0.9
    ring, disc = clean[y == 2], clean[y == 3]
    assert ring.sum((1, 2)).mean() < disc.sum((1, 2)).mean()
    # the classes differ in shape more than in overall brightness
    means = [x[y == k].mean() for k in range(len(shapes.CLASSES))]
    assert max(means) - min(means) < 0.15

"""A small image set generated in code, for the CNN walkthrough: 28x28 grayscale pictures
of six shapes (bar across, bar down, ring, disc, cross, triangle) at random sizes and
places, with noise. No download; a fixed seed gives the same images everywhere.
"""
import numpy as np

CLASSES = ("bar across", "bar down", "ring", "disc", "cross", "triangle")
SIZE = 28


def _masks(labels, rng):
    """Boolean (n, 28, 28) pictures: each image's shape at a random size and place (every
    class is drawn for every image, then each keeps its own: a few array ops for all)."""
    n = len(labels)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    r = rng.uniform(5.0, 9.0, size=(n, 1, 1)).astype(np.float32)
    cy = rng.uniform(r + 1, SIZE - r - 1).astype(np.float32)
    cx = rng.uniform(r + 1, SIZE - r - 1).astype(np.float32)
    width = rng.uniform(1.2, 2.2, size=(n, 1, 1)).astype(np.float32)
    dy, dx = yy - cy, xx - cx
    shapes = [
        (np.abs(dy) < width) & (np.abs(dx) < r),  # bar across
        (np.abs(dx) < width) & (np.abs(dy) < r),  # bar down
        np.abs(np.hypot(dy, dx) - r) < width * 0.8,  # ring
        np.hypot(dy, dx) < r,  # disc
        ((np.abs(dy - dx) < width) | (np.abs(dy + dx) < width))
        & (np.maximum(np.abs(dy), np.abs(dx)) < r),  # cross
        (dy < r * 0.6) & (2 * np.abs(dx) < (dy + r) * 0.9),  # triangle, pointing up
    ]
    return np.choose(labels[:, None, None], shapes)


def make(n, seed=0):
    """(images float32 (n, 1, 28, 28) in [0, 1], labels int64 (n,)) as numpy arrays, the
    classes balanced and shuffled."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n, dtype=np.int64) % len(CLASSES)
    rng.shuffle(labels)
    brightness = rng.uniform(0.6, 1.0, size=(n, 1, 1)).astype(np.float32)
    images = _masks(labels, rng) * brightness
    images += rng.normal(0.0, 0.15, size=images.shape).astype(np.float32)
    return np.clip(images, 0.0, 1.0)[:, None], labels

"""Progress on stderr: a tqdm bar with the counts so far, or without tqdm, a line per mutant."""
import sys
from collections import Counter

try:
    from tqdm import tqdm
except ImportError:
    tqdm = None


class Progress:
    def __init__(self, total):
        self.total = total
        self.counts = Counter()
        self._bar = tqdm(total=total, unit="mutant", file=sys.stderr) if tqdm else None

    def advance(self, result):
        self.counts[result.status] += 1
        if self._bar is not None:
            self._bar.set_postfix(self.counts, refresh=False)
            self._bar.update()
        else:
            done = sum(self.counts.values())
            print(f"[{done}/{self.total}] {result.status:8} {result.mutant.diff}", file=sys.stderr)

    def close(self):
        if self._bar is not None:
            self._bar.close()

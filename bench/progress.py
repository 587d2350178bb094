"""A progress bar for long runs."""
import sys


class Progress:
    """tqdm's bar when tqdm is installed (it is optional: the GPU image may lack it), else
    one line per case on stderr."""

    def __init__(self, total):
        self.total, self.done, self.bar = total, 0, None
        try:
            from tqdm import tqdm
        except ImportError:
            return
        self.bar = tqdm(total=total, unit="case", file=sys.stderr)

    def note(self, text):
        if self.bar is not None:
            self.bar.set_postfix_str(text)
        else:
            print(f"[{self.done + 1}/{self.total}] {text}", file=sys.stderr, flush=True)

    def advance(self):
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()

"""The sweep's outputs: a markdown table sorted by worst ratio, the targets' verdicts, a
JSON file and a heatmap (op x size, coloured by ratio)."""
import json
import math
import statistics

from .run import EXPONENTS

# issue 15's targets, each a ratio to torch's time in the same run
TARGETS = {"cpu": dict(small=1.5, large=1.25, median=0.9)}


def rows(records):
    """{(op, layout, dtype): {exp: record}}, in registration order."""
    out = {}
    for r in records:
        out.setdefault((r["op"], r["layout"], r["dtype"]), {})[r["exp"]] = r
    return out


def worst(by_exp):
    ratios = [r["ratio"] for r in by_exp.values() if "ratio" in r]
    return max(ratios) if ratios else math.inf


def verdicts(records, device):
    """The targets, each with its figure and whether it is met (None: no target here)."""
    target = TARGETS.get(device)
    ratios = [r["ratio"] for r in records if "ratio" in r]
    small = [r["ratio"] for r in records if "ratio" in r and r["exp"] < 14]
    large = [r["ratio"] for r in records if "ratio" in r and r["exp"] >= 14]
    figures = dict(small=max(small, default=None), large=max(large, default=None),
                   median=statistics.median(ratios) if ratios else None)
    out = {}
    for key, figure in figures.items():
        limit = target and target[key]
        out[key] = dict(figure=figure, target=limit,
                        met=None if limit is None or figure is None else figure <= limit)
    out["over"] = dict(
        small=sum(1 for x in small if target and x > target["small"]),
        large=sum(1 for x in large if target and x > target["large"]))
    return out


def markdown(records, first_calls, info, device, date, label):
    exps = sorted({r["exp"] for r in records}) or list(EXPONENTS)
    v = verdicts(records, device)
    lines = [f"## tensorrt_mini op sweep: {device}, {date}{label}", "",
             f"{info.get('cpu_model')}, {info.get('cpus_usable')} usable cpus; torch "
             f"{info.get('torch')} ({info.get('torch_threads')} threads), numba "
             f"{info.get('numba')} ({info.get('numba_threads')} threads, "
             f"{info.get('numba_threading_layer')}); git {info.get('git')}", "",
             "tensorrt_mini's time ÷ torch's, medians of interleaved samples in one process; "
             "lower is better. Layout 2d-T: the operands after the first are read "
             "transposed (column-major).", ""]
    lines += [_verdict_line("worst ratio below 2^14 elements", v["small"], v["over"]["small"]),
              _verdict_line("worst ratio from 2^14 up", v["large"], v["over"]["large"]),
              _verdict_line("median ratio", v["median"], None), ""]
    lines += ["| op | layout | dtype | " + " | ".join(f"2^{e}" for e in exps) + " | worst |",
              "|---|---|---|" + "---:|" * (len(exps) + 1)]
    notes = []
    table = rows(records)
    for (op, layout, dtype), by_exp in sorted(table.items(), key=lambda kv: -worst(kv[1])):
        cells = [_cell(by_exp.get(e)) for e in exps]
        lines.append(f"| `{op}` | {layout} | {dtype} | " + " | ".join(cells)
                     + f" | {_fmt(worst(by_exp))} |")
        for e, r in by_exp.items():
            problem = r.get("error") or r["libs"].get("tensorrt_mini", {}).get("error")
            if problem:
                notes.append(f"- `{op}` {layout} {dtype} 2^{e}: {problem}")
    if first_calls:
        lines += ["", "### First call (seconds, fresh process)", "",
                  "cold: empty kernel caches; warm: the caches the cold run left. large: "
                  "2^18 elements (parallel kernels), small: 2^10 (serial), in that order.", "",
                  "| op | cold large | cold small | warm large | warm small | import (warm) |",
                  "|---|---:|---:|---:|---:|---:|"]
        for name, fc in sorted(first_calls.items(), key=lambda kv: -_cold(kv[1])):
            cold, warm = fc.get("cold", {}), fc.get("warm", {})
            lines.append(f"| `{name}` | {_s(cold, 'large_s')} | {_s(cold, 'small_s')} | "
                         f"{_s(warm, 'large_s')} | {_s(warm, 'small_s')} | "
                         f"{_s(warm, 'import_s')} |")
            for state, res in (("cold", cold), ("warm", warm)):
                if "error" in res:
                    notes.append(f"- first call of `{name}`, {state}: {res['error']}")
    return "\n".join(lines + ([""] + notes if notes else [])) + "\n"


def _verdict_line(what, v, over):
    met = {True: "met", False: "**missed**", None: "no target"}[v["met"]]
    target = f" (target ≤ {v['target']})" if v["target"] else ""
    count = f"; {over} cases above the target" if over else ""
    return f"- {what}: {_fmt(v['figure'])}{target}: {met}{count}"


def _cell(r):
    if r is None:
        return ""
    if "ratio" in r:
        return _fmt(r["ratio"])
    return "error"


def _fmt(x):
    return "–" if x is None or x == math.inf else f"{x:.2f}"


def _cold(fc):
    return max(fc.get("cold", {}).get(k, 0) for k in ("large_s", "small_s"))


def _s(res, key):
    return f"{res[key]:.2f}" if key in res else "–"


def write_json(path, **content):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=1, default=str) + "\n")


def heatmap(records, path, title):
    """A PNG: one row per (op, layout, dtype), one column per size, coloured by log2 of the
    ratio (green faster than torch, red slower). Returns None, or why none was drawn."""
    try:
        import matplotlib
    except ImportError as e:
        return f"no heatmap: matplotlib is not installed ({e}); pip install -e '.[bench]'"
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    table = sorted(rows(records).items(), key=lambda kv: -worst(kv[1]))
    if not table:
        return "no heatmap: no case ran"
    exps = sorted({r["exp"] for r in records})
    grid = np.full((len(table), len(exps)), np.nan)
    for i, (_, by_exp) in enumerate(table):
        for j, e in enumerate(exps):
            if "ratio" in by_exp.get(e, {}):
                grid[i, j] = math.log2(by_exp[e]["ratio"])
    fig, ax = plt.subplots(figsize=(6.5, 1.5 + 0.2 * len(table)))
    image = ax.imshow(grid, cmap="RdYlGn_r", vmin=-2, vmax=2, aspect="auto")
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            if not np.isnan(grid[i, j]):
                ax.text(j, i, f"{2 ** grid[i, j]:.2f}", ha="center", va="center", fontsize=6)
    ax.set_xticks(range(len(exps)), [f"2^{e}" for e in exps])
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(table)), [f"{op}  {layout} {dtype}"
                                      for (op, layout, dtype), _ in table], fontsize=6)
    bar = fig.colorbar(image, ax=ax, shrink=0.3, ticks=[-2, -1, 0, 1, 2])
    bar.ax.set_yticklabels(["0.25", "0.5", "1", "2", "4"])
    bar.set_label("time ÷ torch's time")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None

"""The run's outputs: a markdown table, a JSON file and a PNG chart of the ratios."""
import json
from pathlib import Path

from .libs import PEERS, REFERENCE, TM
from .machine import NOISY_PCT

RESULTS = Path(__file__).resolve().parent / "results"


def results_stem(device, date, quick, only, simulated=False, skip=()):
    """The full run owns `<device>-<date>`; partial runs get a suffix and never overwrite it."""
    stem = f"{device}-{date}"
    if simulated:
        stem += "-sim"
    if quick:
        stem += "-quick"
    if only:
        stem += "-only-" + "".join(c if c.isalnum() else "_" for c in only)
    for name in skip:
        stem += "-without-" + "".join(c if c.isalnum() else "_" for c in name)
    return stem


def markdown(records, info, skipped, device, date, quick, simulated=False):
    cols = [TM, *PEERS[device]]
    sizes = " (CUDA simulator sizes)" if simulated else " (quick sizes)" if quick else ""
    lines = [
        f"## tensorrt_mini benchmarks: {device}, {date}{sizes}",
        "",
        header(info, device),
        "",
        "Medians over interleaved rounds. Ratio: time ÷ torch's time in the same run; lower "
        "is better. Rates count every byte read and written, or matmul FLOPs.",
    ]
    if simulated:
        lines += ["", "**CUDA simulator** (NUMBA_ENABLE_CUDASIM=1): tensorrt_mini's cuda device "
                  "runs on the CPU and torch stands in on the CPU. These figures check the "
                  "plumbing; none of them is a GPU's."]
    if skipped:
        lines += [""] + [f"- peer not run: {name}: {why}" for name, why in skipped.items()]
    lines += ["", "| case | size | " + " | ".join(cols)
              + " | rate: tm / torch | tm ÷ torch | tm ÷ torch.compile | target | met? |",
              "|---|---|" + "---:|" * len(cols) + "---:|---:|---:|---:|:---:|"]
    notes = []
    for r in records:
        cells = [lib_cell(r["libs"].get(name), name in skipped) for name in cols]
        tm = r["libs"].get(TM, {})
        lines.append(f"| {r['name']} | {r['size']} | " + " | ".join(cells) +
                     f" | {rate_cell(r)} | {fmt(tm.get('ratio'), '.2f')} | "
                     f"{fmt(r.get('vs_compiled'), '.2f')} | {target_cell(r)} "
                     f"| {met_cell(r['met'])} |")
        if r.get("vs_compiled") is not None:
            firsts = [f"{name} {fmt_time(r['libs'][name]['first_call_s'])}" for name in cols
                      if r["libs"].get(name, {}).get("first_call_s") is not None]
            notes.append(f"- {r['name']}: first call, compilation included: " + ", ".join(firsts))
        for name, res in r["libs"].items():
            for kind in ("error", "skipped"):
                if res.get(kind):
                    notes.append(f"- {r['name']}: {name} {kind}: {res[kind]}")
    noisy = [f"{r['name']} ({r['other_cpu_pct']:.0f}%)" for r in records
             if (r.get("other_cpu_pct") or 0) > NOISY_PCT]
    if noisy:
        notes.append(f"- other processes used over {NOISY_PCT}% of a core during (their "
                     f"figures are suspect): {', '.join(noisy)}")
    return "\n".join(lines + ([""] + notes if notes else [])) + "\n"


def header(info, device):
    parts = [info.get("gpu"), info.get("cpu_model")]
    if info.get("cpu_count"):
        parts.append(f"{info['cpu_count']} cpus")
    parts += [f"{k} {info[k]}" for k in ("python", TM, *PEERS[device], "numba", "git")
              if info.get(k)]
    return " · ".join(p for p in parts if p)


def lib_cell(res, skipped_peer):
    if skipped_peer:
        return "not run"
    if not res:
        return "—"
    if "error" in res:
        return "**error**"
    if "skipped" in res:  # without a reason: a case this library has no spelling for
        return "skipped" if res["skipped"] else "—"
    return fmt_time(res["median_s"]) if "median_s" in res else "—"


def rate_cell(r):
    rates = [r["libs"].get(name, {}).get("rate") for name in (TM, REFERENCE)]
    if r["unit"] is None or all(x is None for x in rates):
        return ""
    return " / ".join(fmt_rate(x) for x in rates) + f" {r['unit']}"


def fmt_rate(x):
    return "—" if x is None else f"{x:.{0 if x >= 100 else 1 if x >= 10 else 2}f}"


def target_cell(r):
    if r["target"] is None:
        return "—"
    cell = f"≤ {r['target']:g}" + (" s" if r["target_kind"] == "seconds" else "")
    if r.get("compiled_target") is not None:
        cell += f", ≤ {r['compiled_target']:g} of torch.compile"
    return cell


def met_cell(met):
    return {True: "yes", False: "**no**", None: "—"}[met]


def fmt(x, spec):
    return "—" if x is None else format(x, spec)


def fmt_time(s):
    if s < 1e-3:
        return f"{s * 1e6:.3g} µs"
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def write_json(path, **content):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=1, default=str) + "\n")


def chart(records, device, path, title):
    """Horizontal bars of time ÷ torch's time per case, log scale, with the targets.
    Returns None, or why no chart was drawn."""
    try:
        import matplotlib
    except ImportError as e:
        return f"no chart: matplotlib is not installed ({e}); pip install -e '.[bench]'"
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    peer = next(name for name in PEERS[device] if name != REFERENCE)
    rows = [r for r in records if any("ratio" in r["libs"].get(n, {}) for n in (TM, peer))]
    if not rows:
        return "no chart: no case has a ratio to torch"
    y = range(len(rows))
    fig, ax = plt.subplots(figsize=(9, 1.5 + 0.38 * len(rows)))
    tm = [r["libs"][TM].get("ratio", float("nan")) for r in rows]
    colors = ["tab:green" if r["met"] else "tab:red" if r["met"] is False else "tab:blue"
              for r in rows]
    ax.barh([i - 0.2 for i in y], tm, height=0.4, color=colors, label=f"{TM} (green: target met)")
    peers = [r["libs"].get(peer, {}).get("ratio", float("nan")) for r in rows]
    ax.barh([i + 0.2 for i in y], peers, height=0.4, color="0.65", label=peer)
    targets = [(r["target"], i) for i, r in zip(y, rows)
               if r["target_kind"] == "ratio" and r["target"]]
    if targets:
        ax.scatter(*zip(*targets), marker="|", s=300, color="black", zorder=3, label="target")
    for i, r in zip(y, rows):
        if "error" in r["libs"][TM]:
            ax.text(1.0, i - 0.2, f" {TM}: error", va="center", fontsize="small", color="tab:red")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yticks(list(y), [f"{r['name']}  {r['size']}" for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("time ÷ torch's time, same run (lower is better)")
    ax.set_title(title)
    fig.legend(loc="lower center", ncol=3, fontsize="small")
    fig.tight_layout(rect=(0, 0.04, 1, 1))  # room for the legend below the axis
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return None

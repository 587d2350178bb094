"""The backward pass: a topological walk over the graph, without recursion.

A first pass counts, for every node reachable from the roots, how many edges point at it;
a node runs once all of them have delivered their gradient, so each node runs once with
the sum of what reaches it. Both passes use explicit stacks, so a chain of any length
works.

Threads may run backward at once (grad mode is per thread); the writes into a leaf's
`.grad`, which graphs of several threads may share, take one lock.
"""
import threading

from ..ops.dispatch import GradMode
from .graph import AccumulateGrad, grad_edge
from .hooks import run_hooks, run_post_accumulate_hooks

_grad_lock = threading.Lock()


def _dependencies(roots):
    deps = dict.fromkeys(roots, 0)
    stack = list(deps)
    while stack:
        for child in stack.pop().next:
            if child is None:
                continue
            if child in deps:
                deps[child] += 1
            else:
                deps[child] = 1
                stack.append(child)
    return deps


def execute(roots, grads, retain_graph, capture=None, create_graph=False):
    """Run backward from `roots` (grad_fn nodes) seeded with `grads`.

    Without `capture`, gradients reaching leaves are accumulated into their `.grad`. With a
    Capture (autograd.grad), nothing is accumulated: the gradients of its tensors are
    collected in `capture.grads` instead. With `create_graph`, the backward formulas run
    with grad mode on, so the gradients have graphs of their own (gradients of gradients).
    """
    buffers = {}
    for node, g in zip(roots, grads):
        prev = buffers.get(node)
        buffers[node] = g if prev is None else prev + g
    deps = _dependencies(list(buffers))
    # autograd.grad runs only the nodes that lead to what it asks for (as torch: the
    # others' hooks never run)
    wanted = capture.wanted(deps) if capture is not None else None
    ready = [n for n in buffers if deps[n] == 0]
    # storages already handed to a .grad (or owned by the caller): never adopted twice
    handed = {g._storage for g in grads}
    prev_mode = GradMode.enabled
    GradMode.enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            g = buffers.pop(node, None)
            runs = wanted is None or node in wanted
            if not runs and node not in capture.nodes:  # off the way to what is asked
                g = None
            if type(node) is AccumulateGrad:
                if g is not None:
                    hooks = getattr(node.variable, "_hooks", None)
                    if hooks:
                        # the hooks saw g and may keep what they return: adopt neither
                        handed.add(g._storage)
                        g = run_hooks(hooks, g)
                        handed.add(g._storage)
                    _sink(node.variable, g, handed, capture, create_graph)
                    post = getattr(node.variable, "_post_acc_hooks", None)
                    if post and capture is None:  # autograd.grad accumulates nothing
                        run_post_accumulate_hooks(post, node.variable)
                continue
            before_hooks = g
            if node._hooks and g is not None:
                g = run_hooks(node._hooks, g)
            if capture is not None and g is not None and node in capture.nodes:
                # autograd.grad takes the gradient before the hooks, backward(inputs=) after
                capture.add(capture.nodes[node], g if capture.after_hooks else before_hooks)
            if node._retained is not None and g is not None:
                _retain(node, g, handed, create_graph)
            outs = node.apply(g) if g is not None and runs else None
            if not retain_graph and runs:
                node.release()
            for i, child in enumerate(node.next):
                if child is None:
                    continue
                if outs is not None:
                    cg = outs[i]
                    if cg is not None:
                        prev = buffers.get(child)
                        buffers[child] = cg if prev is None else prev + cg
                d = deps[child] - 1
                deps[child] = d
                if d == 0:
                    ready.append(child)
    finally:
        GradMode.enabled = prev_mode


class Capture:
    """The tensors autograd.grad (or backward with inputs=) asks for, by leaf identity or
    by the node their gradient enters at. torch takes a non-leaf's gradient before its
    hooks in autograd.grad, after them in backward(inputs=...)."""

    def __init__(self, inputs, after_hooks=False):
        self.after_hooks = after_hooks
        self.leaves = {}
        self.nodes = {}
        for i, t in enumerate(inputs):
            node = grad_edge(t)
            if node is None:
                self.leaves.setdefault(id(t), []).append(i)
            else:
                self.nodes.setdefault(node, []).append(i)
        self.grads = [None] * len(inputs)

    def wanted(self, nodes):
        """The nodes among `nodes` (all reachable from the roots) worth running: those
        from which an asked-for tensor's node can be reached, and the asked-for leaves'
        sinks. As torch, autograd.grad takes a non-leaf's gradient without running its
        node (unless that leads to another asked-for tensor); backward(inputs=...) runs it."""
        seeds = [n for n in nodes
                 if n in self.nodes or (type(n) is AccumulateGrad
                                        and id(n.variable) in self.leaves)]
        wanted = {n for n in seeds if self.after_hooks or n not in self.nodes}
        # grow backwards: a node is wanted when one of its children is, or is asked for
        parents = {}
        for node in nodes:
            for child in node.next:
                if child is not None:
                    parents.setdefault(child, []).append(node)
        stack = seeds
        while stack:
            for parent in parents.get(stack.pop(), ()):
                if parent not in wanted:
                    wanted.add(parent)
                    stack.append(parent)
        return wanted

    def add(self, positions, g):
        for i in positions:
            prev = self.grads[i]
            self.grads[i] = g if prev is None else prev + g


def _sink(var, g, handed, capture, create_graph):
    if capture is not None:
        positions = capture.leaves.get(id(var))
        if positions is not None:
            capture.add(positions, g)
        return
    with _grad_lock:
        _accumulate(var, g, handed, create_graph)


def _accumulate(var, g, handed, create_graph):
    if var.grad is None:
        # adopt the gradient when nothing else can see its memory, else store a copy
        if g._base is None and g._storage not in handed and g._storage.size() == g.numel():
            var.grad = g
        else:
            var.grad = g.clone()
        handed.add(var.grad._storage)
    elif create_graph:  # a sum with a graph (an in-place add would rebase .grad's)
        var.grad = var.grad + g
    else:
        var.grad.add_(g)


def _retain(node, g, handed, create_graph):
    for ref in node._retained:
        t = ref()
        if t is None:
            continue
        with _grad_lock:
            if t.grad is None:
                t.grad = g.clone()
                handed.add(t.grad._storage)
            elif create_graph:
                t.grad = t.grad + g
            else:
                t.grad.add_(g)

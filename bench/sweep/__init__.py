"""The op sweep (`python -m bench.sweep`): every public op beside torch at 2^10 to 2^22
elements. Ops join by registration (bench.sweep.registry.register); the elementwise
catalog's join by themselves."""

"""Mutation testing for this repository: small single-point changes ("mutants") to a module,
each run against the module's tests, to find behaviour the tests never pin down.

    python -m tests.mutation tensorrt_mini/layout.py [more modules] [--tests FILE ...]
        [--no-mirror] [--jobs 1] [--timeout S] [--limit N] [--sample N --seed S] [--json PATH]

operators.py lists a module's mutants, source.py turns them into text edits, targets.py
picks each module's tests and which mutants run, workspace.py runs pytest in private copies
of the working tree, runner.py drives the runs, progress.py and report.py show the results.
"""

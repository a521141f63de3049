"""Run every benchmark module (or the ones named on the command line), each in a process of its
own: a module's Celery app, broker client and caches are set up for its own services."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import time

import benchmarks


def main(names: list[str]) -> None:
    found = sorted(
        module.name
        for module in pkgutil.iter_modules(benchmarks.__path__)
        if not module.name.startswith("_") and module.name != "fuzz"  # fuzz: `make fuzz`
    )
    wanted = names or found
    if len(wanted) > 1:
        failed = [
            name
            for name in wanted
            if subprocess.run([sys.executable, "-m", "benchmarks", name], check=False).returncode
        ]
        if failed:
            sys.exit(f"benchmarks that failed: {', '.join(failed)}")
        return
    (name,) = wanted
    module = importlib.import_module(f"benchmarks.{name}")
    print(f"== {name}: {module.__doc__.strip().splitlines()[0] if module.__doc__ else ''}")
    started = time.perf_counter()
    module.run()
    print(f"   ({time.perf_counter() - started:.1f} s)\n", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Time to provision a store with 1, 100 and 500 stores already present.

Each sample is one ``tenants.provisioning.create_store_now`` call (request_store + provision_store:
Store and Domain rows, the schema, the store's own rows, the owner membership, one transaction),
timed on the wall clock. Two paths are measured at every level:

* spare: a pre-cloned spare schema is renamed. In production the pool is refilled by a Celery
  task after commit; here ``refill_spares()`` is called between samples, outside the timed part.
* clone: no spare left, the template schema is cloned inside the transaction.

After each sample the new store is dropped again (untimed), so every sample of a level starts with
exactly that many stores.
"""

from __future__ import annotations

import argparse
import time

from bench import common


def _sample(owner, *, expect: str) -> tuple[float, int]:
    from tenants.models import Provisioning, SpareSchema

    spares_before = SpareSchema.objects.count()
    started = time.perf_counter()
    store = common.create_store("bp-", owner=owner)
    seconds = time.perf_counter() - started
    spares_after = SpareSchema.objects.count()
    how = "spare" if spares_after == spares_before - 1 else "clone"
    if how != expect:
        raise RuntimeError(f"expected the {expect} path, got {how} (spares {spares_before} -> {spares_after})")
    duration_ms = Provisioning.objects.get(store=store).duration_ms
    common.drop_store(store)
    return seconds, duration_ms


def run(levels: list[int], samples: int, reset: bool) -> dict:
    from tenants.provisioning import drop_spares, refill_spares

    common.prepare(reset=reset)
    owner = common.bench_owner()
    refill_spares()
    _sample(owner, expect="spare")  # warm-up: imports, first connection, first Celery publish
    results: dict = {"samples": samples, "levels": [], "population": []}
    rows = []
    for level in levels:
        print(f"\n{level} store(s) present:", flush=True)
        if common.store_count() > level:
            common.trim_stores(level)
        results["population"].append({"to": level, **common.ensure_stores(level)})
        entry: dict = {"stores_present": common.store_count()}
        for path in ("spare", "clone"):
            walls, internal = [], []
            if path == "clone":
                drop_spares()
            for _ in range(samples):
                if path == "spare":
                    refill_spares()  # outside the timed section: the Celery task's job in production
                seconds, duration_ms = _sample(owner, expect=path)
                walls.append(seconds)
                internal.append(duration_ms / 1000)
            entry[path] = {"wall": common.summary(walls), "provision_store": common.summary(internal)}
            stats = entry[path]["wall"]
            rows.append(
                [
                    entry["stores_present"],
                    path,
                    stats["n"],
                    f"{stats['p50'] * 1000:.0f}",
                    f"{stats['p95'] * 1000:.0f}",
                    f"{stats['max'] * 1000:.0f}",
                    f"{entry[path]['provision_store']['p50'] * 1000:.0f}",
                ]
            )
            print(f"  {path}: p50 {stats['p50'] * 1000:.0f} ms, p95 {stats['p95'] * 1000:.0f} ms", flush=True)
        refill_spares()
        results["levels"].append(entry)
    print("\nProvisioning: create_store_now, wall clock per store (ms)")
    print("spare = rename of a pre-cloned spare schema (pool refilled with refill_spares() between samples,")
    print("        untimed; in production a Celery task does it after commit); clone = no spare left.\n")
    common.print_table(["stores", "path", "n", "p50", "p95", "max", "provision_store p50"], rows)
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench provisioning", description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,100,500", help="stores present before each series (default 1,100,500)")
    parser.add_argument("--samples", type=int, default=20, help="provisionings per path and level (default 20)")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    args = parser.parse_args(argv)
    common.setup_django()
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    results = run(levels, args.samples, args.reset)
    common.write_results("provisioning", results)
    return 0

"""Hand-run benchmarks: ``.venv/bin/python -m bench <provisioning|migrations|routing|all>``."""

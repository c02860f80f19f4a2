"""Benchmarks for acr-fix: a synthetic repository generator and a runner (see README.md)."""

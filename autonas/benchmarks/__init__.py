"""Search-strategy benchmarks on lookup tables: the same oracles, no training."""

from autonas.benchmarks.table import BenchmarkResult, TableBenchmark, TableTuner

__all__ = ["BenchmarkResult", "TableBenchmark", "TableTuner"]

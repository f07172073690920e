"""Search-strategy benchmarks on lookup tables: the same strategies, no training."""

from autonas.benchmarks.searches import TableSearch, TableTuner
from autonas.benchmarks.table import BenchmarkResult, TableBenchmark

__all__ = ["BenchmarkResult", "TableBenchmark", "TableSearch", "TableTuner"]

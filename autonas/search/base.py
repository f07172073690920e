"""Names kept for code written against earlier versions: see `autonas.search.history` and `.adapter`."""

from autonas.search.adapter import COMPLETED, IDLE, RUNNING, STOPPED, StrategyOracle
from autonas.search.history import (CONTINUE_KEY, ENUMERATION_LIMIT, FIDELITY_KEYS, REPEAT_KEY, config_hash,
                                    config_of)

#: the adapter class (an oracle driven by a `Strategy`)
Oracle = StrategyOracle

__all__ = ["COMPLETED", "CONTINUE_KEY", "ENUMERATION_LIMIT", "FIDELITY_KEYS", "IDLE", "Oracle", "REPEAT_KEY",
           "RUNNING", "STOPPED", "StrategyOracle", "config_hash", "config_of"]

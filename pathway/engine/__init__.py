"""The pathway engine: pure Python, no Django. Given a content snapshot and answers, evaluate.

from pathway.engine import evaluate
result = evaluate(snapshot, {"ces_bladder": "yes", ...})
result.tier, result.level, result.fired, result.red_flags_incomplete
"""

from pathway.engine.evaluate import AnswerError, Result, evaluate, validate
from pathway.engine.model import Snapshot

__all__ = ["AnswerError", "Result", "Snapshot", "evaluate", "validate"]

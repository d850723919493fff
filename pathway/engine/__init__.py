"""The pathway engine: pure Python, no Django. Given a content snapshot and answers, evaluate."""

"""Every write in lessons/: questions, attempts, the notebook and the points ledger."""

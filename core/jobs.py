"""What a periodic job says in the log: one INFO line when it did work, nothing when it did not
(a sweeper runs every 15 s; its idle runs would bury the lines that matter)."""

import logging

logger = logging.getLogger("jobs")


def report(job: str, result, what: str = ""):
    """Logs `job: key n, key n` for the counts of a dict that are not zero, or `job: what n` for a
    count; returns the result unchanged."""
    counts = result if isinstance(result, dict) else {what: result}
    worked = {key: value for key, value in counts.items() if value}
    if worked:
        text = ", ".join(f"{key} {value}" if key else str(value) for key, value in worked.items())
        logger.info("%s: %s", job, text)
    return result

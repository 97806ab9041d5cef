"""Real threads for race tests on MariaDB: every worker starts at the same instant."""

import threading

from django.db import connection


def run_together(workers, timeout: float = 120):
    """Runs the callables in threads released by one barrier; returns what each returned or raised."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait()
            results[index] = work()
        except Exception as exc:  # collected and asserted on by the test
            results[index] = exc
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results

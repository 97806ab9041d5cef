"""What a counter of /metrics gained during a test: `counted = CounterDelta("studio_notifications")`,
then `counted()` is {label values: amount} for every series that changed."""

from prometheus_client import REGISTRY


class CounterDelta:
    def __init__(self, name: str):
        self.name = name
        self.before = self._values()

    def _values(self) -> dict[tuple, float]:
        return {
            tuple(sample.labels.values()): sample.value
            for family in REGISTRY.collect()
            if family.name == self.name
            for sample in family.samples
            if sample.name == f"{self.name}_total"
        }

    def __call__(self) -> dict[tuple, float]:
        return {
            labels: value - self.before.get(labels, 0)
            for labels, value in self._values().items()
            if value != self.before.get(labels, 0)
        }

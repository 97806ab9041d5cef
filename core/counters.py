"""Counter columns kept by database triggers: a parent row's count of its children in one status.

`CourseSchedule.booked_count`, `held_count` and `waiting_count` are built this way (migrations
courses 0006, waitlist 0008): a trigger on the child table adds or subtracts one on the parent row in
the same statement's transaction, whatever wrote the row — a service, a bulk `update()`, the admin, a
test factory. Writers that change seats already hold the parent row's lock, so the trigger's update
never waits; a trigger fires only when the row enters or leaves the counted status.

MySQL refuses a trigger that writes a table its own statement reads (error 1442): an UPDATE or
DELETE of a counted table must not filter through the parent table (`schedule__starts_at=...`
joins it); find the ids first and write by id.

Every name and value in the SQL is a constant of a migration, never input. Used from migrations:
keep these functions' output stable (a change needs a new migration). On SQLite a migration that
rebuilds a child table drops its triggers: `tests/courses/test_counters.py` checks they exist.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Counter:
    name: str  # the triggers' name prefix
    child_table: str
    fk_column: str  # the child's column pointing at the parent
    status: str  # the counted value of the child's `status` column
    parent_table: str
    counter_column: str

    def _update(self, sign: str, ref: str) -> str:
        return (
            f"UPDATE {self.parent_table} SET {self.counter_column} = {self.counter_column} {sign} 1"  # noqa: S608
            f" WHERE id = {ref}.{self.fk_column}"
        )

    def _counted(self, ref: str) -> str:
        return f"{ref}.status = '{self.status}'"

    def _left(self) -> str:  # OLD was counted on its parent and NEW is not counted there
        return (
            f"{self._counted('OLD')} AND (NOT {self._counted('NEW')} OR NEW.{self.fk_column} <> OLD.{self.fk_column})"
        )

    def _entered(self) -> str:  # NEW is counted on its parent and OLD was not counted there
        return (
            f"{self._counted('NEW')} AND (NOT {self._counted('OLD')} OR NEW.{self.fk_column} <> OLD.{self.fk_column})"
        )

    def create_sql(self, vendor: str) -> list[str]:
        table, n = self.child_table, self.name
        if vendor == "mysql":
            return [
                f"CREATE TRIGGER {n}_ins AFTER INSERT ON {table} FOR EACH ROW BEGIN"
                f" IF {self._counted('NEW')} THEN {self._update('+', 'NEW')}; END IF; END",
                f"CREATE TRIGGER {n}_upd AFTER UPDATE ON {table} FOR EACH ROW BEGIN"
                f" IF {self._left()} THEN {self._update('-', 'OLD')}; END IF;"
                f" IF {self._entered()} THEN {self._update('+', 'NEW')}; END IF; END",
                f"CREATE TRIGGER {n}_del AFTER DELETE ON {table} FOR EACH ROW BEGIN"
                f" IF {self._counted('OLD')} THEN {self._update('-', 'OLD')}; END IF; END",
            ]
        if vendor == "sqlite":
            columns = f"status, {self.fk_column}"
            return [
                f"CREATE TRIGGER {n}_ins AFTER INSERT ON {table} FOR EACH ROW WHEN {self._counted('NEW')}"
                f" BEGIN {self._update('+', 'NEW')}; END",
                f"CREATE TRIGGER {n}_upd_left AFTER UPDATE OF {columns} ON {table} FOR EACH ROW WHEN {self._left()}"
                f" BEGIN {self._update('-', 'OLD')}; END",
                f"CREATE TRIGGER {n}_upd_entered AFTER UPDATE OF {columns} ON {table} FOR EACH ROW"
                f" WHEN {self._entered()} BEGIN {self._update('+', 'NEW')}; END",
                f"CREATE TRIGGER {n}_del AFTER DELETE ON {table} FOR EACH ROW WHEN {self._counted('OLD')}"
                f" BEGIN {self._update('-', 'OLD')}; END",
            ]
        raise NotImplementedError(f"counter triggers for {vendor}")

    def drop_sql(self, vendor: str) -> list[str]:
        suffixes = ("ins", "upd", "del") if vendor == "mysql" else ("ins", "upd_left", "upd_entered", "del")
        return [f"DROP TRIGGER IF EXISTS {self.name}_{suffix}" for suffix in suffixes]

    def recount_sql(self) -> str:
        """Sets every parent's counter to the true count (the backfill, and `check_counters --fix`)."""
        p = self.parent_table
        return (
            f"UPDATE {p} SET {self.counter_column} = (SELECT COUNT(*) FROM {self.child_table} c"  # noqa: S608
            f" WHERE c.{self.fk_column} = {p}.id AND c.status = '{self.status}')"
        )

    def drift_sql(self) -> str:
        """Parents whose counter differs from the true count: (id, counter, true count)."""
        p = self.parent_table
        return (
            f"SELECT p.id, p.{self.counter_column}, COALESCE(c.n, 0) FROM {p} p LEFT JOIN"  # noqa: S608
            f" (SELECT {self.fk_column} AS parent_id, COUNT(*) AS n FROM {self.child_table}"
            f" WHERE status = '{self.status}' GROUP BY {self.fk_column}) c ON c.parent_id = p.id"
            f" WHERE p.{self.counter_column} <> COALESCE(c.n, 0) ORDER BY p.id"
        )


def counter_operations(counter: Counter):
    """The migration operations that create a counter's triggers and backfill it (reversible)."""
    from django.db import migrations

    def run(schema_editor, statements: list[str]) -> None:
        # A plain cursor: MySQL cannot roll back DDL, and the schema editor refuses it inside RunPython.
        with schema_editor.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def forwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        run(schema_editor, counter.drop_sql(vendor) + counter.create_sql(vendor) + [counter.recount_sql()])

    def backwards(apps, schema_editor):
        run(schema_editor, counter.drop_sql(schema_editor.connection.vendor))

    return migrations.RunPython(forwards, backwards)

"""Commands that span apps: each locks once and calls the apps below it in order (a booking cancelled
or taken as leave offers the seat and owes a make-up; an accept books a regular or make-up seat; the
studio cancels or changes a class; the front desk acts for a family). App services below take an
already-locked schedule and never call sideways. See docs/architecture.md."""

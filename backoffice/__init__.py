"""What reads across apps for operators: the dashboard, today's view, exports, cleanup, demo data.
The top business layer: it may import every app and `flows`; only `config` (URLs) imports it."""

#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if sys.argv[1:2] == ["runserver"]:  # the web of `make run`; gunicorn does this in its config
        from core.metrics_processes import metrics_directory_prepare

        metrics_directory_prepare("web")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

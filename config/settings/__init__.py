"""Settings modules: ``dev`` (default for manage.py and Celery), ``test`` (pytest), ``production`` (wsgi)."""

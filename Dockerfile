# SessionDesk app image: migrates the database, then serves the app on port 8000.
FROM python:3.11-slim

# The package carries the browser app (setup.py copies frontend/ into it), so the installed copy in
# site-packages is all that runs; /app is only the build context.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml setup.py MANIFEST.in ./
COPY backend ./backend
COPY frontend ./frontend
RUN pip install --no-cache-dir . \
    && rm -rf /app/backend /app/frontend /app/build \
    && useradd --create-home --uid 1000 sessiondesk \
    && mkdir -p /data \
    && chown sessiondesk /data

USER sessiondesk
VOLUME ["/data"]
EXPOSE 8000
# The process answers on /healthz; docker-compose.yml checks /readyz (database and migrations) instead.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# exec: the server replaces the shell, so it gets the SIGTERM of `docker stop` and shuts down gracefully.
CMD ["sh", "-c", "sessiondesk migrate && exec sessiondesk serve --host 0.0.0.0 --port 8000"]

# SessionDesk app image: migrates the database, then serves the app on port 8000.
FROM python:3.11-slim

# The app serves frontend/ from beside the backend package, so the code runs from /app (PYTHONPATH)
# rather than from the installed copy in site-packages, which has no frontend/ next to it.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/data \
    PYTHONPATH=/app

WORKDIR /app
COPY pyproject.toml ./
COPY backend ./backend
COPY frontend ./frontend
COPY schema.graphql ./
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 1000 sessiondesk \
    && mkdir -p /data \
    && chown sessiondesk /data

USER sessiondesk
VOLUME ["/data"]
EXPOSE 8000
CMD ["sh", "-c", "sessiondesk migrate && sessiondesk serve --host 0.0.0.0 --port 8000"]

# The image behind every service of docker-compose.yml (web, worker, beat, migrate).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# WeasyPrint needs Pango and HarfBuzz; DejaVu has å ä ö for the PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-input -r requirements.lock

COPY . .

# collectstatic and the translations need settings, not secrets: a build-time dummy key that the
# running containers never see (compose sets the real SECRET_KEY; wsgi refuses the dev key).
RUN DEBUG=false SECRET_KEY=build-time-only-collectstatic-not-a-secret-0123456789abcdef \
        python manage.py collectstatic --noinput \
    && python manage.py compile_translations

RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home app \
    && mkdir -p /app/media /app/locale \
    && chown -R app:app /app/media /app/locale
USER app

EXPOSE 8000
CMD ["gunicorn", "hyresadmin.wsgi:application", "--bind=0.0.0.0:8000", "--workers=3", "--access-logfile=-"]

# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=riskregister.settings \
    VAR_DIR=/app/var

WORKDIR /app
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Static files are collected at build time and served by WhiteNoise; the key is a throwaway for this step only.
RUN DEBUG=false SECRET_KEY=collectstatic-only-build-step-key-not-used-at-runtime \
    CHANNEL_SECRET_KEY=Y29sbGVjdHN0YXRpYy1idWlsZC1zdGVwLW9ubHktMDA= python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 register && mkdir -p /app/var && chown -R register /app/var
USER register
EXPOSE 8000
CMD ["gunicorn", "riskregister.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

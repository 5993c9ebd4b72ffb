# The web service: Django + gunicorn (config/gunicorn.py), with Debian's Chromium and
# chromedriver for SUNAT_CLIENT=selenium. Used by docker-compose.prod.yml (`build: .`).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Debian's chromium and chromium-driver: the paths CHROME_BINARY and CHROMEDRIVER_PATH
# default to (/usr/bin/chromium, /usr/bin/chromedriver); Selenium Manager never runs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium chromium-driver \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Requirements first: this layer is rebuilt only when a requirements file changes.
COPY requirements/ requirements/
RUN pip install --no-cache-dir -r requirements/production.txt

COPY . .

# A non-root user owning /app and the static root. The compose file mounts the named
# volume "static" on /app/staticfiles; a new volume takes this directory's owner.
RUN groupadd --system app \
    && useradd --system --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app \
    && mkdir -p /app/staticfiles \
    && chown app:app /app /app/staticfiles

ENV DJANGO_SETTINGS_MODULE=config.settings.production \
    PYTHONUNBUFFERED=1 \
    DJANGO_STATIC_ROOT=/app/staticfiles

USER app

EXPOSE 8000

# No curl in the slim image: Python's urllib. /health is exempt from the HTTPS redirect and
# answers 503 (urlopen raises, exit 1) when the database does not.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]

CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]

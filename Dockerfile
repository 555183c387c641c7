# One image for the web app and the workers (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=studio.settings.production \
    STUDIO_VAR_DIR=/srv/var \
    STUDIO_ARTIFACTS_DIR=/srv/artifacts

WORKDIR /srv/app
RUN useradd --system --create-home --home-dir /srv studio
COPY pyproject.toml README.md ./
COPY studio ./studio
COPY labeling ./labeling
COPY training ./training
COPY workers ./workers
COPY templates ./templates
COPY manage.py ./
RUN pip install -e . \
    && SECRET_KEY=build-only-collectstatic-$(python -c 'import secrets; print(secrets.token_hex(32))') \
       ALLOWED_HOSTS=build DEBUG=0 python manage.py collectstatic --noinput \
    && mkdir -p /srv/var /srv/artifacts && chown -R studio /srv/var /srv/artifacts
USER studio
EXPOSE 8000
CMD ["gunicorn", "-c", "python:studio.gunicorn_conf", "studio.wsgi:application"]

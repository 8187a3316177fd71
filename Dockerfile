# One image for the production-like stack (docker-compose.yml): gunicorn serves Django, and the same
# image runs the Celery worker and beat. Settings come from the environment (.env.example).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FSM_VAR_DIR=/app/var

WORKDIR /app
RUN useradd --create-home --uid 1000 fsm

# Requirements first, so a code change does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic only imports settings: DEBUG's development defaults serve it and never reach run time,
# where DJANGO_DEBUG is off (the default) and the secrets come from the environment.
RUN DJANGO_DEBUG=1 python manage.py collectstatic --noinput \
    && mkdir -p /app/var/beat && chown -R fsm:fsm /app/var

USER fsm
EXPOSE 8000
# The access log prints the path without its query string: the OAuth callback's carries the code and state.
CMD ["gunicorn", "fsm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", \
     "--access-logformat", "%(h)s %(t)s \"%(m)s %(U)s %(H)s\" %(s)s %(b)s %(L)ss"]

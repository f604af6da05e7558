FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHON=python3

# ffmpeg/ffprobe for the micro-class video pipeline.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg fonts-wqy-microhei fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN useradd --system --home /app quizsite \
 && mkdir -p /srv/quizsite/media /srv/quizsite/static \
 && chown -R quizsite /srv/quizsite

USER quizsite
EXPOSE 8000
CMD ["bin/web"]

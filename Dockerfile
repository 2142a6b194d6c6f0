# cnnviz in a container: one Streamlit server on port 8501. compose.yaml runs several of
# these behind HAProxy; "docker build -t cnnviz . && docker run -p 8501:8501 cnnviz" runs one.
FROM python:3.11-slim

# Headless server settings (the same as .streamlit/config.toml, plus no file watcher: the
# code in an image never changes, and watching it costs memory and wake-ups).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

# The app runs as an ordinary user; the code stays owned by root, so it cannot change it.
RUN useradd --create-home --uid 10001 cnnviz
WORKDIR /app

# Requirements first: the slow layer is rebuilt only when the pins change.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
USER cnnviz
EXPOSE 8501

# python:3.11-slim has no curl; Python asks the same question.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status != 200)"]

CMD ["python", "-m", "streamlit", "run", "app.py"]

"""The ceiling: the smallest Flask app, served by the same gunicorn as the forum.

    .venv/bin/gunicorn --workers 2 --bind 127.0.0.1:8001 bench.ceiling:app

One route returning a small HTML page, no database, no templates, no extensions: what the
server, the WSGI stack and Flask's routing cost on this machine. The forum's pages are
compared to it (bench/run.py prints each page's requests/s as a share of this one's).
"""

from flask import Flask

app = Flask(__name__)

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Ceiling</title></head>
<body><main><h1>Ceiling</h1><p>The smallest page Flask can serve.</p></main></body>
</html>
"""


@app.get("/")
def index():
    return PAGE

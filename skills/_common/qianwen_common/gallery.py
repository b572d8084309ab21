"""index.html beside the results: thumbnails, players and the command that makes each one again.

Plain HTML and inline CSS only: no script and no external URL, so the page opens offline from any
folder; every link is relative, so the folder can be moved or zipped.
"""

from __future__ import annotations

import os
from urllib.parse import quote

INDEX = "index.html"
FALLBACK = "qianwen-gallery.html"   # when the folder holds a user's own index.html
MARK = '<meta name="generator" content="qianwen-ai gallery">'
_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))
FIELDS = (("prompt", "prompt"), ("model", "model"), ("mode", "mode"), ("seed", "seed"),
          ("size", "size"), ("resolution", "resolution"), ("task_id", "task id"))
STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;background:#f6f6f4;color:#222}
h1{font-size:20px;margin:0 0 4px}p.note{color:#666;margin:0 0 18px}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:16px}
article{background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px;overflow:hidden}
article img,article video{display:block;width:100%;max-height:320px;object-fit:contain;background:#eee;
border-radius:4px}
dl{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:10px 0;font-size:13px}
dt{color:#777}dd{margin:0;overflow-wrap:anywhere}
pre{background:#f0f0f0;padding:8px;border-radius:4px;font-size:12px;white-space:pre-wrap;
overflow-wrap:anywhere;margin:6px 0}
a.file{font-size:12px;color:#246}
"""


def write(folder, items, title) -> str:
    """Write FOLDER/index.html for ITEMS (dicts, see _card) and return its path; the page is ours, rebuilt each run."""
    folder = os.path.abspath(folder)
    os.makedirs(folder, exist_ok=True)
    cards = "\n".join(_card(folder, item) for item in items)
    page = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" + MARK + "\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n<h1>%s</h1>\n"
            "<p class=\"note\">%d result%s in this folder; this page is rebuilt on every run.</p>\n"
            "<main>\n%s\n</main>\n</body>\n</html>\n"
            % (_text(title), STYLE, _text(title), len(items), "" if len(items) == 1 else "s", cards))
    path = next((os.path.join(folder, name) for name in (INDEX, FALLBACK) if _ours_or_free(os.path.join(folder, name))),
                None)
    if path is None:
        raise OSError("index.html and %s in %s are the user's own files" % (FALLBACK, folder))
    part = "%s.%d.part" % (path, os.getpid())
    with open(part, "w", encoding="utf-8") as handle:
        handle.write(page)
    os.replace(part, path)  # replaces only a gallery this module wrote (its MARK), never a user's file
    return path


def _ours_or_free(path):
    """True when path does not exist or is a gallery page this module wrote."""
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as handle:
            return MARK in handle.read(4096)
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _text(value):
    # html.escape's module imports html.entities (about 1 ms of every call's start-up): the same five here.
    text = "" if value is None else str(value)
    for char, entity in _ENTITIES:
        text = text.replace(char, entity)
    return text


def _href(folder, path):
    """A relative, percent-encoded URL from the page to PATH."""
    relative = os.path.relpath(os.path.abspath(path), folder).replace(os.sep, "/")
    return _text(quote(relative))


def _card(folder, item):
    """One result: local_path, kind (image|video), prompt, model, mode, seed, size or resolution, task_id,
    sidecar (response JSON path or None), rerun (shell command)."""
    href = _href(folder, item["local_path"])
    name = _text(os.path.basename(item["local_path"]))
    if item.get("kind") == "video":
        media = '<video controls preload="metadata" src="%s"></video>' % href
    else:
        media = '<a href="%s"><img loading="lazy" src="%s" alt="%s"></a>' % (href, href, _text(item.get("prompt")))
    rows = "".join("<dt>%s</dt><dd>%s</dd>" % (label, _text(item[key]))
                   for key, label in FIELDS if item.get(key) not in (None, ""))
    links = '<a class="file" href="%s">%s</a>' % (href, name)
    if item.get("sidecar"):
        links += ' &middot; <a class="file" href="%s">response JSON</a>' % _href(folder, item["sidecar"])
    rerun = ""
    if item.get("rerun"):
        rerun = "<div>Run again:</div><pre><code>%s</code></pre>" % _text(item["rerun"])
    return "<article>\n%s\n<dl>%s</dl>\n%s\n<div>%s</div>\n</article>" % (media, rows, rerun, links)

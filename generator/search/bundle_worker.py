"""The process that makes the browser's Pagefind bundle, beside the build.

`SearchBundleJob` (bundle.py) writes what it knows into a work folder and starts
`python -m generator.search.bundle_worker FOLDER`; this process then, shard
after shard: encodes each record's words (once the index job's child has
written the analysed streams), writes Pagefind's input pages, runs Pagefind
(or takes the shard from the cache), and slims the result. All of it used to
run in threads of the build's process, where it took the interpreter's lock
from the render for seconds; here it only takes the spare core.

The work folder holds:
- `spec.json`: the shards (records without their meta), where the streams
  come from, the vocabulary's word prefixes, the cache folder;
- `meta/<k>.json`: each shard's result-card meta, url → meta;
- written here: `pages/<k>/` (removed once indexed), `out/<k>/` (the shard's
  bundle), `pagefind.log`, and last `result.json`: url → result id, the
  shards' digests, the shards Pagefind indexed.

Kept light on imports (no model, no MkDocs): it starts in ~0.1 s.
"""

from __future__ import annotations

import gzip
import html
import json
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from generator.publish.leftovers import describe_process, die_with_parent, pid_alive, remove_tree, write_owner
from generator.search.shard_cache import ShardCache, shard_digest

# A language code without a Pagefind stemmer or segmenter: our tokens stay as they are.
LANGUAGE = "und"
EVERY = "xz"  # the encoding of "": no token is empty, so no other word is this one
FRAGMENT_HEADER = b"pagefind_dcd"  # what Pagefind 1.5 writes before the JSON of a gzip'd fragment
SPEC, RESULT, LOG = "spec.json", "result.json", "pagefind.log"


def pagefind_word(token: str) -> str:
    """A token as Pagefind stores it: "x" + the hex of its UTF-8 + "z".

    ASCII only, because Pagefind 1.5.2 loses pages of some multibyte words in
    long records (measured: 陈默说车 found in 1 of the 3 records holding it;
    hex-encoded, in all 3). And the browser searches exactly this word: no
    other word starts with it (hex digits never hold a z), so Pagefind's prefix
    matching is an exact match and its fallback to a shorter word never happens.
    """
    return "x" + token.encode("utf-8").hex() + "z"


def encoder(prefixes: dict[str, str]):
    """token → its Pagefind word: a vocabulary form gets its entry's prefix (`bundle.word_prefixes`)."""
    def encode(token: str) -> str:
        head = prefixes.get(token)
        return pagefind_word(token) if head is None else head + token.encode("utf-8").hex() + "z"

    return encode


class _Memo(dict):
    """encode(token), computed once per token (a dict lookup runs in C)."""

    def __init__(self, encode):
        super().__init__()
        self._encode = encode

    def __missing__(self, token: str) -> str:
        self[token] = word = self._encode(token)
        return word


def encoded_content(stream: str, word) -> str:
    """A work's Pagefind content: each token of its stream encoded, then EVERY, one word all works
    hold, so that the browser reads the order of all works by a sort key from that word's entry
    alone (a search without words would download the whole index)."""
    return " ".join(map(word.__getitem__, stream.split())) + " " + EVERY


# ---------------------------------------------------------------- the analysed streams

STREAMS_FILE = "streams.pickle"


def write_streams(folder: Path, streams: dict[str, str]) -> None:
    """In the index job's child: the streams, for the worker (renamed into place whole)."""
    tmp = Path(folder) / f".{STREAMS_FILE}.{os.getpid()}"
    with open(tmp, "wb") as out:
        pickle.dump(streams, out, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(Path(folder) / STREAMS_FILE)


def write_streams_failure(folder: Path, message: str) -> None:
    (Path(folder) / f"{STREAMS_FILE}.failed").write_text(message, encoding="utf-8")


def read_streams(folder: Path, writer_pid: int | None, poll: float = 0.05) -> dict[str, str]:
    """The streams the index job's child writes into `folder`, once there; raises if it failed
    or ended without them. The file is ours (written by our own child), not content."""
    path, failed = Path(folder) / STREAMS_FILE, Path(folder) / f"{STREAMS_FILE}.failed"
    while not path.exists():
        if failed.exists():
            raise RuntimeError("analysing the works failed:\n" + failed.read_text(encoding="utf-8"))
        if poll <= 0 or (writer_pid is not None and not _running(writer_pid) and not path.exists()):
            raise RuntimeError("the analysis ended without its streams")
        time.sleep(poll)
    with open(path, "rb") as handle:
        return pickle.load(handle)  # noqa: S301 - written by this build's own child, in a 0700 folder


def _running(pid: int) -> bool:
    """Alive and not a zombie (the index child is the build's child, not ours: we cannot reap it)."""
    if not pid_alive(pid):
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc: pid_alive has to do


# ---------------------------------------------------------------- Pagefind's input and output

def record_page(record: dict) -> str:
    """A minimal HTML page that carries one record's words, filters and sort keys for Pagefind's indexer.

    The result-card meta is not in the page: Pagefind 1.5 indexes every meta value as
    words (the whole text of each work, unsegmented: a fifth of the index at 5,000 works,
    never searched); `slim_fragments` puts it into each result's fragment afterwards.
    """
    esc = html.escape
    filters = "".join(f'<span data-pagefind-filter="{k}:{esc(v)}"></span>' for k, vs in record["filters"].items() for v in vs)
    sort = "".join(f'<span data-pagefind-sort="{k}:{esc(v)}"></span>' for k, v in record["sort"].items())
    return (f'<!doctype html><html lang="{record["language"]}"><head><meta charset="utf-8"></head><body>'
            f'<main data-pagefind-body>{esc(record["content"])}</main>{filters}{sort}</body></html>')


def shard_pages(shard: list[dict]) -> dict[str, str]:
    """Pagefind's input pages of one shard: where Pagefind will say each page is
    (`works/x/` → works/x/index.html, `works/x.html` as it is) → its HTML."""
    pages = {}
    for record in shard:
        url = record["url"].lstrip("/")
        pages[url + "index.html" if url.endswith("/") else url] = record_page(record)
    return pages


def slim_fragments(bundle: Path, metas: dict[str, dict]) -> dict[str, str]:
    """Give each result fragment its card meta (url → meta) and drop its content; url → fragment id.

    A fragment is what the browser loads per result shown; its content is the
    record's encoded token stream, which nothing reads (koc-find.js ranks from the
    index and excerpts from the meta text), and half its size. Its id (the file's
    name) is the result id Pagefind gives the browser.
    """
    ids = {}
    for path in sorted((bundle / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        if not data.startswith(FRAGMENT_HEADER):
            raise RuntimeError(f"unexpected Pagefind fragment format: {path.name}")
        fragment = json.loads(data[len(FRAGMENT_HEADER):])
        meta = metas.get(fragment["url"])
        if meta is None:
            raise RuntimeError(f"Pagefind fragment of an unknown page: {fragment['url']}")
        ids[fragment["url"]] = path.name.removesuffix(".pf_fragment")
        fragment["content"] = ""
        fragment["meta"] = {k: v for k, v in meta.items() if v}
        body = json.dumps(fragment, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        # Level 6: the fragment is small once its content is gone; level 9 bought nothing but time.
        path.write_bytes(gzip.compress(FRAGMENT_HEADER + body, compresslevel=6, mtime=0))
    return ids


# ---------------------------------------------------------------- the shards, one after another

class ShardWork:
    """What the worker's two threads work on: the shards' digests, the cache, the runner, the result ids."""

    def __init__(self, folder: Path, cache: ShardCache | None, owner: int | None = None):
        self.folder = folder
        self.cache = cache
        self.digests: list[str] = []
        self.indexed: set[int] = set()  # shards Pagefind indexed (the others came from the cache)
        self.ids: dict[str, str] = {}  # url → result id "k/fragment id"
        self._lock = threading.Lock()
        self.runner = Runner(folder, self.indexed_shard, owner)

    def prepare(self, shards: list[list[dict]], content=None) -> None:
        """Each shard: its pages and their digest; then copied from the cache (checked against its
        manifest), or its pages written and handed to the runner for Pagefind. `content(id)`
        gives a record's words when the records do not hold them."""
        try:
            for k, shard in enumerate(shards):
                if content is not None:
                    shard = [dict(record, content=content(record["id"])) for record in shard]
                pages = shard_pages(shard)
                del shard
                self.digests.append(shard_digest(pages, LANGUAGE))
                out = self.folder / "out" / str(k)
                if self.cache is not None and self.cache.fetch(self.digests[k], out):
                    self.slim(k, out)
                    continue
                pages_dir = self.folder / "pages" / str(k)
                for path, text in pages.items():
                    page = pages_dir / path
                    page.parent.mkdir(parents=True, exist_ok=True)
                    page.write_text(text, encoding="utf-8")
                del pages
                self.runner.submit(k, [sys.executable, "-m", "pagefind", "--site", str(pages_dir), "--output-path", str(out),
                                       "--force-language", LANGUAGE])
        except Exception as exc:  # noqa: BLE001 - reported by the runner's join
            self.runner.fail(f"the search bundle could not be prepared: {exc}")
        finally:
            self.runner.close()

    def indexed_shard(self, k: int) -> None:
        """In the runner's thread, when Pagefind has indexed shard k."""
        out = self.folder / "out" / str(k)
        if self.cache is not None:
            self.cache.store(self.digests[k], out)
        self.indexed.add(k)
        self.slim(k, out)
        remove_tree(self.folder / "pages" / str(k))

    def slim(self, k: int, out: Path) -> None:
        path = self.folder / "meta" / f"{k}.json"
        while not path.exists():  # the build writes the meta once its pages' inputs are made
            time.sleep(0.05)
        metas = json.loads(path.read_text(encoding="utf-8"))
        ids = {url: f"{k}/{i}" for url, i in slim_fragments(out, metas).items()}
        with self._lock:
            self.ids.update(ids)


class Runner:
    """Runs the shards' Pagefind commands one after another in a thread, as they are submitted;
    `after(k)` runs there once shard k is indexed; `join` raises if a command failed."""

    def __init__(self, folder: Path, after=None, owner: int | None = None):
        self._lock = threading.Lock()
        self._folder = folder
        self._after = after
        self._owner = owner
        self._proc: subprocess.Popen | None = None
        self._stopped = False
        self._error: str | None = None
        self._queue: queue.Queue = queue.Queue()
        self._log = open(folder / LOG, "w+b")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def start(self, commands: list[list[str]]) -> None:
        """Run these commands (shards 0, 1, …) and no more."""
        for k, cmd in enumerate(commands):
            self.submit(k, cmd)
        self.close()

    def submit(self, k: int, cmd: list[str]) -> None:
        self._queue.put((k, cmd))

    def close(self) -> None:
        self._queue.put(None)

    def fail(self, message: str) -> None:
        with self._lock:
            if not self._stopped and self._error is None:
                self._error = message

    @property
    def process(self) -> subprocess.Popen | None:
        """The Pagefind running now, or the last one."""
        return self._proc

    def _launch(self, cmd: list[str]) -> bool:
        with self._lock:
            if self._stopped:
                return False
            self._proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, preexec_fn=child_setup())
            # The next run kills it if this process dies without doing so.
            # (In the worker, the owner is the build that started it, and the worker a helper too.)
            helpers = [describe_process(self._proc.pid)] + ([describe_process(os.getpid())] if self._owner else [])
            write_owner(self._folder, helpers, owner=self._owner)
            return True

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            k, cmd = item
            if not self._launch(cmd):
                return
            if self._proc.wait() != 0:
                with self._lock:
                    if not self._stopped:
                        self._log.seek(0)
                        self._error = "Pagefind failed:\n" + self._log.read().decode("utf-8", "replace")[-2000:]
                return
            if self._after is not None:
                try:
                    self._after(k)
                except Exception as exc:  # noqa: BLE001 - reported by join
                    self.fail(f"Pagefind's bundle could not be finished: {exc!r}")
                    return

    def join(self, quiet: bool = False) -> None:
        self._thread.join()
        if self._error and not quiet:
            raise RuntimeError(self._error)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            proc = self._proc
        self._queue.put(None)  # a runner still waiting for work ends
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        self._thread.join()
        self._log.close()


def child_setup():
    """A child dies with the thread that starts and waits for it, and runs at low
    priority: rendering is the build's critical path, as for the whoosh child."""
    def setup() -> None:
        die_with_parent()
        os.nice(10)

    return setup


def _content_of(streams: dict, prefixes: dict[str, str]):
    """work id → its Pagefind content, from the streams the index job's child writes (read when first asked)."""
    word = _Memo(encoder(prefixes))
    got: dict[str, str] = {}

    def content(work_id: str) -> str:
        if not got:
            got.update(read_streams(Path(streams["folder"]), streams.get("pid")))
        return encoded_content(got[work_id], word)

    return content


def make_bundle(folder: Path) -> dict:
    """Everything `spec.json` asks for; the result, also written to `result.json`."""
    spec = json.loads((folder / SPEC).read_text(encoding="utf-8"))
    cache = ShardCache(Path(spec["cache"])) if spec.get("cache") else None
    work = ShardWork(folder, cache, spec.get("owner"))
    content = _content_of(spec["streams"], spec.get("prefixes") or {}) if spec.get("streams") else None
    try:
        work.prepare(spec["shards"], content)
        work.runner.join()
    finally:
        work.runner.stop()
    if cache is not None:
        cache.keep_only(set(work.digests))
    result = {"ids": work.ids, "digests": work.digests, "indexed": sorted(work.indexed)}
    tmp = folder / f".{RESULT}"
    tmp.write_text(json.dumps(result), encoding="utf-8")
    tmp.replace(folder / RESULT)
    return result


def main(argv: list[str]) -> int:
    try:
        make_bundle(Path(argv[0]))
    except Exception as exc:  # noqa: BLE001 - the job reports this log
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

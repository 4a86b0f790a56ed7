"""Load: files under `content/` → raw records that remember their lines.

Nothing here judges the content beyond "can it be read at all"; every
problem is returned, never raised. Nothing under `content/` is written; with
a cache folder, parsed works are kept there (`derived.sqlite`) by content hash.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import frontmatter

from generator.content.derived_cache import MISSING, DerivedCache
from generator.problems import Problem
from generator.content.yaml_source import LineDict, YamlError, load_yaml

# A work's body beyond this is almost certainly a pasted export, not a work;
# it would also bloat every page and index that carries it.
MAX_BODY_BYTES = 1_000_000


@dataclass
class WorkSource:
    path: Path  # absolute
    rel: str  # as shown in messages
    data: LineDict
    body: str
    body_line: int  # line of the closing ---; body[0] is the rest of that line
    content_hash: str


@dataclass
class YamlSource:
    path: Path
    rel: str
    data: object


@dataclass
class RawLibrary:
    root: Path  # the content folder
    works: list[WorkSource] = field(default_factory=list)
    contributors: YamlSource | None = None
    taxonomy: YamlSource | None = None
    honors: YamlSource | None = None
    tasks: YamlSource | None = None
    collections: list[YamlSource] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def load_library(content_dir: Path, project_dir: Path | None = None, cache_dir: Path | None = None,
                 only: set[Path] | None = None) -> RawLibrary:
    """Read every source file once. Paths in problems are relative to the project.

    With `cache_dir`, parsed works are also kept across runs, by content hash.
    With `only` (resolved paths), of the works only those are read (`check_cache`
    re-checks the works saved since the last check).
    """
    content_dir = Path(content_dir).resolve()
    base = Path(project_dir).resolve() if project_dir else content_dir.parent
    raw = RawLibrary(root=content_dir)

    def rel(path: Path) -> str:
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            return path.as_posix()

    if not content_dir.is_dir():
        raw.problems.append(Problem(rel(content_dir), None, "error", "找不到内容目录 content/"))
        return raw

    real_dirs: dict[Path, bool] = {}

    def inside(path: Path) -> bool:
        # A symlink may point anywhere (/etc, another checkout): content is only what lives in content/.
        # Each folder is resolved once; a file only when it is a link itself.
        if path.parent not in real_dirs:
            real_dirs[path.parent] = path.parent.resolve().is_relative_to(content_dir)
        if real_dirs[path.parent] and not path.is_symlink() or path.resolve().is_relative_to(content_dir):
            return True
        raw.problems.append(Problem(rel(path), None, "error", "文件是指向 content/ 之外的符号链接，不会被读取或发布；请把文件本身放进 content/ (symlink leaves content/)"))
        return False

    for name in ("contributors", "taxonomy", "honors", "tasks"):
        path = content_dir / f"{name}.yml"
        if path.exists() and inside(path):
            setattr(raw, name, _read_yaml(path, rel(path), raw.problems))
        elif name not in ("honors", "tasks"):
            raw.problems.append(Problem(rel(path), None, "error", f"缺少文件 {name}.yml"))

    for path in sorted((content_dir / "collections").glob("*.y*ml")):
        if not inside(path):
            continue
        source = _read_yaml(path, rel(path), raw.problems)
        if source:
            raw.collections.append(source)

    if only is None:
        paths = [p for p in sorted((content_dir / "works").rglob("*")) if p.is_file() and p.suffix.lower() in (".md", ".markdown")]
    else:  # no listing of the whole folder: at 50,000 works that alone takes seconds
        works_dir = content_dir / "works"
        paths = sorted(p for p in only if p.is_relative_to(works_dir) and p.is_file() and p.suffix.lower() in (".md", ".markdown"))
    paths = [p for p in paths if inside(p)]
    for work, found in _read_works([(p, rel(p)) for p in paths], cache_dir):
        raw.problems.extend(found)
        if work:
            raw.works.append(work)
    return raw


def _read_text(path: Path, shown: str, problems: list[Problem], data: bytes | None = None) -> str | None:
    data = path.read_bytes() if data is None else data
    try:
        # utf-8-sig accepts (and drops) a byte-order mark that Windows editors add.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(shown, line, "error", "文件不是 UTF-8 编码，请用 UTF-8 另存 (file is not valid UTF-8)"))
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_yaml(path: Path, shown: str, problems: list[Problem]) -> YamlSource | None:
    text = _read_text(path, shown, problems)
    if text is None:
        return None
    try:
        data = load_yaml(text)
    except YamlError as exc:
        problems.append(Problem(shown, exc.line, "error", str(exc)))
        return None
    _report_duplicates(data, shown, problems)
    return YamlSource(path, shown, data)


# Parsed works by (path, mtime, size), for the life of the process: `koc serve`
# rebuilds in one process and re-reads only the files that were saved.
_PARSED: dict[tuple, WorkSource] = {}


# Below this many files to parse, a pool of processes costs more than it saves.
PARALLEL_MIN = 400
# Bump when parsing changes (yaml_source, WorkSource), so cached parses are made anew.
PARSE_VERSION = 2


def _read_works(items: list[tuple[Path, str]], cache_dir: Path | None = None) -> list[tuple[WorkSource | None, list[Problem]]]:
    """(work, its problems) per file, in order; a large batch is parsed on every core.

    YAML construction is Python code, so a first `koc check` of thousands of
    works is bound by one core; files are independent, so they parse apart.
    """
    keys = [_key(path, shown) for path, shown in items]
    todo = [(item, key) for item, key in zip(items, keys) if key not in _PARSED]
    fresh: dict[tuple, tuple[WorkSource | None, list[Problem]]] = {}
    data: dict[tuple, bytes] = {}  # with a cache: the bytes hashed are the bytes parsed
    store = DerivedCache(cache_dir) if cache_dir is not None and todo else None
    if store is not None:
        data = {key: path.read_bytes() for (path, _), key in todo}
        parts = {key: [PARSE_VERSION, str(path), shown, hashlib.sha256(data[key]).hexdigest()] for (path, shown), key in todo}
        for (path, shown), key in todo:
            found = _from_cache(store.lookup("parse", parts[key], secret=data[key]), path, shown, data[key])
            if found is not None:
                fresh[key] = found
        todo = [(item, key) for item, key in todo if key not in fresh]
    jobs = [(path, shown, data.get(key)) for (path, shown), key in todo]
    procs = min(os.cpu_count() or 1, 8)
    if len(jobs) >= PARALLEL_MIN and procs > 1:
        with ProcessPoolExecutor(procs, mp_context=multiprocessing.get_context("fork")) as pool:
            parsed = list(pool.map(_parse_one, jobs, chunksize=max(1, len(jobs) // (procs * 4))))
    else:
        parsed = [_parse_one(job) for job in jobs]
    for (_, key), result in zip(todo, parsed):
        fresh[key] = result
        if store is not None:
            store.put("parse", parts[key], _for_cache(result), secret=data[key])
    if store is not None:
        store.close()
    if len(_PARSED) + len(fresh) > 100_000:
        _PARSED.clear()
    # Only clean parses are remembered: a file with problems reports them again next time.
    _PARSED.update((key, work) for key, (work, found) in fresh.items() if work is not None and not found)
    return [fresh[key] if key in fresh else (_PARSED[key], []) for key in keys]


def _for_cache(result: tuple[WorkSource | None, list[Problem]]) -> tuple:
    """A parse without the body text: the body is in the file, whose bytes the key hashes,
    and no work's text (it may go out of force) is kept in the cache."""
    work, found = result
    if work is None:
        return None, found, 0
    return replace(work, body=""), found, len(work.body)


def _from_cache(entry, path: Path, shown: str, data: bytes) -> tuple[WorkSource | None, list[Problem]] | None:
    """The parse stored by `_for_cache` with its body cut from the file again, or None (a miss)."""
    if entry is MISSING or not (isinstance(entry, tuple) and len(entry) == 3):
        return None
    work, found, body_chars = entry
    if work is None:
        return (None, found) if isinstance(found, list) else None
    if not isinstance(work, WorkSource) or not isinstance(body_chars, int):
        return None
    text = _read_text(path, shown, [], data)
    if text is None or hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] != work.content_hash or body_chars > len(text):
        return None
    return replace(work, body=text[len(text) - body_chars:] if body_chars else "", path=path, rel=shown), found


def _key(path: Path, shown: str) -> tuple:
    st = path.stat()
    return (str(path), shown, st.st_mtime_ns, st.st_size)


def _parse_one(job: tuple[Path, str, bytes | None]) -> tuple[WorkSource | None, list[Problem]]:
    path, shown, data = job
    found: list[Problem] = []
    return _parse_work(path, shown, found, data), found


def _parse_work(path: Path, shown: str, problems: list[Problem], data: bytes | None = None) -> WorkSource | None:
    text = _read_text(path, shown, problems, data)
    if text is None:
        return None
    if not text.strip():
        problems.append(Problem(shown, 1, "error", "文件为空：作品文件需要以 --- 开头的 frontmatter 和正文"))
        return None
    handler = frontmatter.YAMLHandler()
    if not handler.detect(text):
        problems.append(Problem(shown, 1, "error", "缺少 frontmatter：文件第一行应为 ---，随后是 title、type 等字段，再以 --- 结束"))
        return None
    try:
        fm_text, body = handler.split(text)
    except ValueError:
        problems.append(Problem(shown, 1, "error", "frontmatter 没有结束：请在字段之后加一行 ---"))
        return None
    try:
        data = load_yaml(fm_text, first_line=1)
    except YamlError as exc:
        problems.append(Problem(shown, exc.line, "error", str(exc)))
        return None
    if not isinstance(data, LineDict):
        problems.append(Problem(shown, 2, "error", "frontmatter 应是 “字段: 值” 的映射 (frontmatter must be a YAML mapping)"))
        return None
    _report_duplicates(data, shown, problems)
    # The body starts on the closing --- line: line of body[i] = body_line + body[:i].count("\n").
    body_line = fm_text.count("\n") + 1
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        problems.append(Problem(shown, body_line, "error", f"正文过大（{len(body.encode('utf-8')) // 1024} KB，上限 {MAX_BODY_BYTES // 1000} KB）：请拆分作品或把原始素材放到 media 链接中"))
        return None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return WorkSource(path, shown, data, body, body_line, digest)


def _report_duplicates(data, shown: str, problems: list[Problem]) -> None:
    if isinstance(data, LineDict):
        for key, line in data.duplicates:
            problems.append(Problem(shown, line, "error", f"字段 {key} 重复出现；后一个会覆盖前一个，请只保留一个"))
        for value in data.values():
            _report_duplicates(value, shown, problems)
    elif isinstance(data, list):
        for value in data:
            _report_duplicates(value, shown, problems)

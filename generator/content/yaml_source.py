"""YAML that remembers where each key was written.

Mappings load as `LineDict`: a dict with `.lines[key]` (1-based line of the
key) and `.line` (line of the mapping itself), so that a problem found much
later can still name the line. Duplicate keys are reported, not silently
overwritten.

Content comes from pull requests, so the text is first read as a stream of
events (libyaml's parser keeps its own stack, whatever the depth) and refused
before anything is built when it uses anchors or aliases (a few lines of
aliases expand to billions of nodes) or nests deeper than `MAX_DEPTH` (the
construction recurses: a thousand levels raise RecursionError, a hundred
thousand crash the interpreter).

Example:
    >>> data = load_yaml("title: a\\ntags: [x]\\n")
    >>> data.lines["tags"]
    2
"""

from __future__ import annotations

import datetime as dt
import re

import yaml


class LineDict(dict):
    line: int = 0
    lines: dict

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = {}
        self.duplicates: list[tuple[str, int]] = []


class LineList(list):
    line: int = 0
    lines: list


# libyaml's parser when available (several times faster); marks survive either way.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool, dt.date)) and key is not None:
            key = str(key)
        line = key_node.start_mark.line + 1
        if key in result:
            result.duplicates.append((str(key), line))
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode):
    # 2026-13-01 looks like a date but is none: keep the text, let validation say why.
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


# Real content nests four or five levels (a work's media list of mappings);
# anything near this is an attack or a mistake, and stays far from any stack limit.
MAX_DEPTH = 40

_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


class YamlError(Exception):
    def __init__(self, message: str, line: int | None):
        self.line = line
        super().__init__(message)


def load_yaml(text: str, first_line: int = 1):
    """Parse one YAML document; lines are shifted so they match the file."""
    try:
        _refuse_aliases_and_depth(text, first_line)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        # The context (e.g. the unclosed list) is where the editor has to look;
        # the problem mark is where the parser noticed, often the next line.
        mark = exc.context_mark or exc.problem_mark
        line = mark.line + first_line if mark else None
        detail = f"{exc.context}, {exc.problem}" if exc.context else exc.problem
        raise YamlError(f"YAML 语法错误：{detail}（检查引号、冒号后的空格、括号是否成对）", line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML 语法错误：{exc}", None) from None
    if first_line != 1:
        _shift(data, first_line - 1)
    return data


def _refuse_aliases_and_depth(text: str, first_line: int) -> None:
    """Walk the event stream once; stop at the first alias, anchor or level too deep."""
    if not _may_be_hostile(text):
        return
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + first_line
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise YamlError("不支持 YAML 锚点和别名（&名称 / *名称）：请把内容直接写出来 (YAML anchors and aliases are not allowed)", line)
        if isinstance(event, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlError(f"YAML 嵌套过深（超过 {MAX_DEPTH} 层）：请检查多余的括号或缩进 (nesting deeper than {MAX_DEPTH} levels)", line)
        elif isinstance(event, _CLOSE):
            depth -= 1


# Every anchor or alias needs & or *, and every level needs one of [ { - ? or
# a key's colon; text with neither kind of risk skips the second pass.
_NEST = re.compile(r"[\[{?:-]")


def _may_be_hostile(text: str) -> bool:
    return "&" in text or "*" in text or len(_NEST.findall(text)) > MAX_DEPTH


def _shift(data, offset: int) -> None:
    if isinstance(data, LineDict):
        data.line += offset
        data.duplicates = [(k, n + offset) for k, n in data.duplicates]
        data.lines = {k: n + offset for k, n in data.lines.items()}
        for value in data.values():
            _shift(value, offset)
    elif isinstance(data, LineList):
        data.line += offset
        data.lines = [n + offset for n in data.lines]
        for value in data:
            _shift(value, offset)


def line_of(data, *path, default: int | None = None) -> int | None:
    """Line of the deepest key or item along `path` that can be found."""
    line = getattr(data, "line", None) or default
    node = data
    for step in path:
        if isinstance(node, LineDict) and step in node:
            line = node.lines.get(step, line)
            node = node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and 0 <= step < len(node):
            line = node.lines[step]
            node = node[step]
        else:
            break
    return line

"""Refuse Markdown bodies shaped to stall or crash the renderer.

Python-Markdown recurses into nested containers and emphasis (thousands of
levels raise RecursionError) and scans ahead from every unclosed `[` (a few
thousand make a build take minutes). No real work nests like that, so
`koc check` refuses such a body with its line, before any build renders it.
Everything here is one regular-expression pass or a pass over brackets only.

Example:
    >>> shape_problem("- " * 100 + "x")[1]
    '正文嵌套过深（列表或引用超过 16 层）：请减少缩进层级'
    >>> shape_problem("普通的一段 [链接](https://example.com)。") is None
    True
"""

from __future__ import annotations

import re

MAX_CONTAINER_DEPTH = 16  # lists and quotes inside each other
MAX_HTML_DEPTH = 32  # raw HTML elements inside each other
MAX_BRACKET_DEPTH = 8  # [ inside [
MAX_UNCLOSED_COST = 2_000_000  # unclosed [ × characters of their paragraph, summed
MAX_EMPHASIS = 400  # * and _ delimiters in one paragraph

_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})", re.M)
# The run of container markers and indentation that opens a line.
_PREFIX = re.compile(r"^(?:[ \t]|>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))+", re.M)
_MARKER = re.compile(r">|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,20})\b[^<>]*?(/?)>")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_BRACKET = re.compile(r"\\.|[\[\]]")
_EMPHASIS = re.compile(r"\*|(?<!\w)_|_(?!\w)")


def shape_problem(body: str) -> tuple[int, str] | None:
    """(offset, message) of the first shape the renderer cannot take, or None."""
    text = blank_fenced_code(body)
    for check in (_container_depth, _html_depth, _paragraphs):
        found = check(text)
        if found:
            return found
    return None


def blank_fenced_code(body: str) -> str:
    """The body with fenced code blanked out (same offsets): code is not parsed as Markdown."""
    if "```" not in body and "~~~" not in body:
        return body
    out, pos, open_fence = [], 0, None
    for m in _FENCE.finditer(body):
        fence = m.group(1)
        if open_fence is None:
            open_fence = (fence, m.end())
        elif fence[0] == open_fence[0][0] and len(fence) >= len(open_fence[0]):
            start = open_fence[1]
            out.append(body[pos:start])
            out.append(re.sub(r"[^\n]", "x", body[start:m.start()]))
            pos, open_fence = m.start(), None
    if open_fence is not None:  # an unclosed fence runs to the end
        start = open_fence[1]
        out.append(body[pos:start])
        out.append(re.sub(r"[^\n]", "x", body[start:]))
        pos = len(body)
    out.append(body[pos:])
    return "".join(out)


def _container_depth(text: str) -> tuple[int, str] | None:
    for m in _PREFIX.finditer(text):
        prefix = m.group(0)
        if len(prefix) < 8 or not prefix.strip() and text[m.end():m.end() + 1] in ("", "\n"):
            continue  # short, or a blank line
        indent = len(prefix.expandtabs(4)) - len(prefix.lstrip(" \t").expandtabs(4))
        depth = len(_MARKER.findall(prefix)) + indent // 4
        if depth > MAX_CONTAINER_DEPTH:
            return m.start(), f"正文嵌套过深（列表或引用超过 {MAX_CONTAINER_DEPTH} 层）：请减少缩进层级"
    return None


def _html_depth(text: str) -> tuple[int, str] | None:
    if "<" not in text:
        return None
    depth = 0
    for m in _TAG.finditer(text):
        closing, name, self_closing = m.group(1), m.group(2).lower(), m.group(3)
        if name in _VOID or self_closing:
            continue
        if closing:
            depth = max(0, depth - 1)
        else:
            depth += 1
            if depth > MAX_HTML_DEPTH:
                return m.start(), f"正文中的 HTML 嵌套过深（超过 {MAX_HTML_DEPTH} 层）：请简化 HTML"
    return None


def _paragraphs(text: str) -> tuple[int, str] | None:
    # Cheap tests first: fewer than 3 [ cannot exceed the budget, and the
    # emphasis limit needs that many * or _ in the whole body.
    brackets = text.count("[") >= 3
    emphasis = text.count("*") + text.count("_") > MAX_EMPHASIS
    if not (brackets or emphasis):
        return None
    cost, pos = 0, 0
    breaks = [(m.start(), m.end()) for m in _PARAGRAPH_BREAK.finditer(text)] + [(len(text), len(text))]
    for end, after in breaks:
        para, start, pos = text[pos:end], pos, after
        if brackets and "[" in para:
            depth = 0
            for m in _BRACKET.finditer(para):
                if m.group(0) == "[":
                    depth += 1
                    if depth > MAX_BRACKET_DEPTH:
                        return start + m.start(), f"正文中方括号 [ 嵌套过深或未闭合（超过 {MAX_BRACKET_DEPTH} 个）：请删去多余的 [，或写成 \\["
                elif m.group(0) == "]" and depth:
                    depth -= 1
            # The renderer scans the rest of the paragraph from each unclosed [.
            cost += depth * len(para)
            if cost > MAX_UNCLOSED_COST:
                return start, "正文中未闭合的方括号 [ 太多而段落太长：请删去多余的 [（或写成 \\[），并把长段落分段"
        if emphasis and len(_EMPHASIS.findall(para)) > MAX_EMPHASIS:
            return start, f"一个段落中的 * 或 _ 超过 {MAX_EMPHASIS} 个：请分段，或写成 \\* 和 \\_"
    return None

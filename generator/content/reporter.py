"""Collects the problems of one check, and says pydantic's findings in the editors' language.

Each pydantic error type maps to one message in `MESSAGES` (and type errors
to the expected shape in `EXPECTED`), so a new kind of mistake is one row.

Example:
    >>> message({"loc": ("rights", "expire"), "type": "extra_forbidden", "msg": "", "input": 1}, ["expires", "uses"])
    '未知字段 rights.expire；你是不是想写 "expires"？ (unknown field)'
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from generator.content.privacy import find_personal_data
from generator.content.yaml_source import line_of
from generator.problems import Problem, did_you_mean


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# Type errors: what the editor should have written.
EXPECTED = {
    "string_type": "文本", "list_type": "列表 [a, b]", "dict_type": "映射", "model_type": "映射（字段: 值）",
    "model_attributes_type": "映射（字段: 值）", "int_type": "整数", "int_parsing": "整数", "int_from_float": "整数",
    "bool_parsing": "true 或 false", "bool_type": "true 或 false",
}

_BAD_DATE = "{loc} 的日期 {input!r} 无效，应写成 YYYY-MM-DD 且是真实存在的日期"

# pydantic error type → message; `{loc}` is the dotted key, `{input}` the value written,
# `{ctx[...]}` pydantic's context; `{suggestion}` a did-you-mean for an unknown key.
MESSAGES: dict[str, str] = {
    "missing": "缺少必填字段 {loc} (missing required field)",
    "extra_forbidden": "未知字段 {loc}{suggestion} (unknown field)",
    "enum": "{loc} 的值 {input!r} 无效，可选：{ctx[expected]}",
    "literal_error": "{loc} 的值 {input!r} 无效，可选：{ctx[expected]}",
    "date_from_datetime_parsing": _BAD_DATE,
    "date_parsing": _BAD_DATE,
    "date_type": _BAD_DATE,
    "date_from_datetime_inexact": _BAD_DATE,
    "greater_than_equal": "{loc} 的值 {input!r} 超出范围 ({msg})",
    "less_than_equal": "{loc} 的值 {input!r} 超出范围 ({msg})",
    "string_too_long": "{loc} 太长：最多 {ctx[max_length]} 个字符",
    "string_too_short": "{loc} 不能为空",
    "too_short": "{loc} 至少需要 {ctx[min_length]} 项",
    "string_pattern_mismatch": "{loc} 的值 {input!r} 只能用小写字母、数字和连字符 (pattern {ctx[pattern]})",
    **{kind: "{loc} 的类型不对：应为{expected}，实际是 {short}" for kind in EXPECTED},
}
# A value error whose pydantic message contains the key: our own validators' messages.
VALUE_ERRORS = {"YYYY-MM-DD": "{loc} 的日期 {input!r} 格式不对，应写成 YYYY-MM-DD，例如 2025-06-14"}


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the (sub-)model that holds the last key of `loc`."""
    for key in loc[:-1]:
        if isinstance(key, int):
            continue  # an index into a list of sub-models
        field = model.model_fields.get(key)
        model = _model_in(field.annotation) if field else None
        if model is None:
            return []
    return list(model.model_fields)


def _model_in(annotation) -> type[BaseModel] | None:
    # Through Optional[...], list[...] and Annotated[...] to the model inside.
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found:
            return found
    return None


class _Context(dict):
    # A context key pydantic did not give reads as empty, as before.
    def __missing__(self, key):
        return ""


def message(err: dict, field_names: list[str]) -> str:
    """One pydantic error (`loc` already prefixed) as a message for editors."""
    kind = err["type"]
    template = MESSAGES.get(kind)
    if kind == "value_error":
        template = next((t for key, t in VALUE_ERRORS.items() if key in err["msg"]), None)
    if template is None:
        template = "{loc}: {msg}"
    return template.format(
        loc=".".join(str(x) for x in err["loc"]), input=err.get("input"), msg=err["msg"], ctx=_Context(err.get("ctx") or {}),
        suggestion=did_you_mean(str(err["loc"][-1]), field_names) if kind == "extra_forbidden" else "",
        expected=EXPECTED.get(kind, ""), short=_short(err.get("input")),
    )


class Reporter:
    """The problems found so far, in any order (`validate_library` sorts them)."""

    def __init__(self, problems: list[Problem] = ()):
        self.problems: list[Problem] = list(problems)

    def error(self, path: str, line: int | None, text: str) -> None:
        self.problems.append(Problem(path, line, "error", text))

    def warning(self, path: str, line: int | None, text: str) -> None:
        self.problems.append(Problem(path, line, "warning", text))

    def parse(self, model: type[BaseModel], data: Any, rel: str, prefix: tuple = ()) -> BaseModel | None:
        """`data` as `model`, or None with every mistake reported at its line."""
        if not isinstance(data, dict):
            self.error(rel, line_of(data), "这里应是 “字段: 值” 的映射")
            return None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                line = line_of(data, *err["loc"])
                loc = prefix + tuple(err["loc"])
                if "private" in err["loc"]:
                    # Never echo what is under private:, not even in an error (CI logs keep it).
                    self.error(rel, line, f"{'.'.join(str(x) for x in loc)} 格式不对：private 应是映射（字段: 值），"
                                          "例如 private: {phone: …}；其内容不会显示在这里")
                    continue
                # A nested key is matched against its own mapping's fields (rights.expire → expires).
                self.error(rel, line, message(dict(err, loc=loc), _fields_at(model, err["loc"])))
            return None

    def scan_personal(self, text: str, rel: str, line: int | None) -> None:
        for kind, _ in find_personal_data(text):
            self.warning(rel, line, f"公开文字中疑似包含{kind}：请删去个人信息，或放到贡献者的 private: 中")

"""YAML for policy files: line numbers on every node, and only true/false as booleans.

Mappings load as :class:`LineDict` and sequences as :class:`LineList`, which
remember the line of each key and item, so a pydantic error location turns
back into ``file:line``. A key given twice in one mapping is an error. Bare
``yes``, ``no``, ``on`` and ``off`` stay strings (as in YAML 1.2), so a
policy writes its answers ``yes`` and ``no`` without quotes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

__all__ = ["LineDict", "LineList", "line_of", "load_yaml"]

_BOOL = "tag:yaml.org,2002:bool"


class LineDict(dict[str, Any]):
    """A mapping with its own line (``line``) and the line of each key."""

    line: int = 1
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A sequence with its own line (``line``) and the line of each item."""

    line: int = 1
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    """SafeLoader building line-aware containers, with YAML 1.2 booleans."""

    def construct_yaml_map(self, node: yaml.MappingNode) -> Any:
        data = LineDict()
        data.line = node.start_mark.line + 1
        data.key_lines = {}
        yield data
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in data:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            data[key] = self.construct_object(value_node, deep=True)
            data.key_lines[key] = key_node.start_mark.line + 1

    def construct_yaml_seq(self, node: yaml.SequenceNode) -> Any:
        data = LineList()
        data.line = node.start_mark.line + 1
        data.item_lines = [child.start_mark.line + 1 for child in node.value]
        yield data
        data.extend(self.construct_object(child, deep=True) for child in node.value)


# Start from SafeLoader's implicit resolvers without its YAML 1.1 booleans.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_yaml_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_yaml_seq)


def load_yaml(text: str) -> Any:
    """Parse YAML text into plain data whose containers remember their lines.

    Raises
    ------
    yaml.YAMLError
        If the text is not valid YAML; ``problem_mark`` holds the position.
    """
    return yaml.load(text, Loader=_Loader)


def line_of(data: Any, loc: Sequence[str | int]) -> int:
    """The line of the deepest node of ``data`` that ``loc`` reaches."""
    line = getattr(data, "line", 1)
    node = data
    for step in loc:
        if isinstance(node, LineDict) and step in node:
            line = node.key_lines.get(str(step), line)
            node = node[str(step)]
        elif isinstance(node, LineList) and isinstance(step, int) and step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
    return line

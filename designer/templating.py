"""Template designs: design documents whose strings hold generation expressions, rendered per tenant and
environment before the document is validated as a Design.

Syntax (Jinja2, with delimiters that keep Airflow's own run-time templates apart):

- `${{ expr }}` an expression, e.g. `${{ tenant }}_pipeline`, `${{ env.batch_size }}`;
- `${% if ... %}`, `${% for ... %}`, `${% set ... %}` statements inside a string;
- `${#! comment !#}` a comment.

Airflow's `{{ ds }}`, `{{ params.x }}` and `{% ... %}` are plain text to this renderer and come out byte for
byte; a string without `${` is never touched at all. A string that is exactly one expression renders to the
expression's native value (`count: ${{ env.chunks }}` gives an int), any other string to text.

Rendering runs in Jinja's ImmutableSandboxedEnvironment with StrictUndefined, and its work is bounded:
the template language is cut down to expressions, `if`, `for` and `set` (no macros, includes or blocks), only
an allow-list of filters and the globals `range` and `dict` exist, `str.format` and `%` formatting are
refused, every loop, call, attribute lookup and filter counts against a step budget, and every string or
list the template builds (`~`, `+`, `*`, filters) counts against a size budget. Exceeding either raises
TemplateProblem, as does a sandbox violation (`''.__class__`), an unknown variable or a syntax error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined, nodes
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS
from jinja2.sandbox import ImmutableSandboxedEnvironment

EXPRESSION = ("${{", "}}")
STATEMENT = ("${%", "%}")
COMMENT = ("${#!", "!#}")
MARK = "${"  # every delimiter starts with it: a string without it is plain text

MAX_STEPS = 200_000  # loop iterations, calls, lookups and filters per rendered document
MAX_BUILT = 2_000_000  # characters or items built by operators and filters per rendered document
MAX_VALUE = 100_000  # characters or items of one built string or list
MAX_RANGE = 10_000
MAX_INT_BITS = 256

ALLOWED_FILTERS = frozenset({
    "abs", "capitalize", "count", "d", "default", "dictsort", "first", "float", "int", "items", "join", "last",
    "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round",
    "select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim", "truncate", "unique", "upper",
    "wordcount"})
# What the template language may use; everything else (macros, call blocks, include, import, extends,
# blocks, filter blocks, with, block set) is refused before anything runs.
ALLOWED_STATEMENTS = (nodes.Output, nodes.If, nodes.For, nodes.Assign)
_COUNTED = "dd_counted_"
_CONCAT = "dd_concat_"
_RESULT = "dd_value_"
_SINGLE = re.compile(r"\$\{\{.*\}\}", re.DOTALL)
_FORMAT_ATTRIBUTES = frozenset({"format", "format_map"})
# Jinja's lexer turns every \r\n and \r into \n; carriage returns are carried through as this character.
_CR = "\ue000"


class TemplateProblem(Exception):
    """A template string that cannot be rendered: `message` says why (one line)."""


class _Budget:
    def __init__(self) -> None:
        self.steps = 0
        self.built = 0

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > MAX_STEPS:
            raise TemplateProblem(f"takes more than {MAX_STEPS:,} steps (loops, calls and lookups); "
                                  "templates are limited to bounded work")

    def build(self, size: int) -> None:
        if size > MAX_VALUE:
            raise TemplateProblem(f"builds a value of {size:,} characters or items; at most {MAX_VALUE:,}")
        self.built += size
        if self.built > MAX_BUILT:
            raise TemplateProblem(f"builds more than {MAX_BUILT:,} characters or items in all")


class _Counted(list):
    """A list whose iteration counts against the budget (config lists, ranges, filter results)."""

    budget: _Budget

    def __iter__(self) -> Iterator[Any]:
        for item in super().__iter__():
            self.budget.step()
            yield item


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple | dict) else 0


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox with every hook counting against the budget of the render in progress."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self) -> None:
        super().__init__(
            variable_start_string=EXPRESSION[0], variable_end_string=EXPRESSION[1],
            block_start_string=STATEMENT[0], block_end_string=STATEMENT[1],
            comment_start_string=COMMENT[0], comment_end_string=COMMENT[1],
            line_statement_prefix=None, line_comment_prefix=None,
            undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True, cache_size=0)
        self.budget = _Budget()
        self.globals.clear()
        self.globals.update({"range": self._range, "dict": dict, _COUNTED: self._counted, _CONCAT: self._concat})
        self.filters = {name: self._filter(FILTERS[name]) for name in ALLOWED_FILTERS}

    # --- hooks the sandbox calls -------------------------------------------------------------
    def getattr(self, obj: Any, attribute: str) -> Any:
        self.budget.step()
        _refuse_format(obj, attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.budget.step()
        _refuse_format(obj, argument)
        return super().getitem(obj, argument)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (sandbox's own)
        __self.budget.step()
        return __self._checked(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self.budget.step()
        if operator == "%" and isinstance(left, str):
            raise TemplateProblem("`%` string formatting is not available in templates; join with `~`")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and \
                right * max(left.bit_length(), 1) > MAX_INT_BITS:
            raise TemplateProblem(f"{left} ** {right} is too large a number")
        if operator == "*":
            if isinstance(left, int) and isinstance(right, int) and \
                    left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise TemplateProblem("a product too large a number")
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int):
                    self.budget.build(len(seq) * max(times, 0))
        if operator == "+" and isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
            self.budget.build(len(left) + len(right))
        return self._checked(super().call_binop(context, operator, left, right))

    # --- globals and filters -----------------------------------------------------------------
    def _range(self, *args: int) -> list[int]:
        if len(args) > 3 or not all(isinstance(a, int) for a in args):
            raise TemplateProblem("range() takes one to three integers")
        values = range(*args)
        if len(values) > MAX_RANGE:
            raise TemplateProblem(f"range() of {len(values):,} numbers; at most {MAX_RANGE:,}")
        return self._counted(values)

    def _counted(self, iterable: Any) -> Any:
        if isinstance(iterable, Mapping):
            iterable = list(iterable)  # a loop over a mapping walks its keys: counted like a list of them
        if hasattr(iterable, "__iter__"):
            items = _Counted()
            items.budget = self.budget
            for item in iterable:
                self.budget.step()
                items.append(item)
            return items
        return iterable

    def _concat(self, *parts: Any) -> str:
        texts = [str(p) for p in parts]
        self.budget.build(sum(map(len, texts)))
        return "".join(texts)

    def _filter(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            self.budget.step()
            if fn is FILTERS["replace"] and len(args) >= 3:
                text, old, new = (str(a) for a in args[-3:])
                self.budget.build(len(text) + (text.count(old) if old else len(text) + 1) * len(new))
            result = fn(*args, **kwargs)
            if isinstance(result, Iterator):
                result = self._counted(result)
            return self._checked(result)

        if hasattr(fn, "jinja_pass_arg"):  # pass_context / pass_environment filters keep their marker
            run.jinja_pass_arg = fn.jinja_pass_arg  # type: ignore[attr-defined]
        return run

    def _checked(self, value: Any) -> Any:
        if isinstance(value, str | list | tuple | dict):
            self.budget.build(len(value))
        return value


def _refuse_format(obj: Any, attribute: Any) -> None:
    # The sandbox wraps str.format in a safe formatter, but a width such as {:>999999999} still builds
    # the whole string before anything could measure it.
    if isinstance(obj, str) and attribute in _FORMAT_ATTRIBUTES:
        raise TemplateProblem("str.format is not available in templates; join with `~`")


class Compiled:
    """One template string compiled once, rendered for many variable sets."""

    def __init__(self, env: _Environment, source: str) -> None:
        self.source = source
        self.cr = "\r" in source
        if self.cr:
            if _CR in source:
                raise TemplateProblem("holds both a carriage return and U+E000, which templates use for it")
            source = source.replace("\r", _CR)
        match = _SINGLE.fullmatch(source)
        self.native = False
        try:
            tree = env.parse(source)
            _check(tree)
            body = tree.body
            if match and len(body) == 1 and isinstance(body[0], nodes.Output) and len(body[0].nodes) == 1 \
                    and not isinstance(body[0].nodes[0], nodes.TemplateData):
                self.native = True
                tree.body = [nodes.Assign(nodes.Name(_RESULT, "store"), body[0].nodes[0])]
            self.template = env.from_string(tree)
        except TemplateProblem:
            raise
        except SecurityError as exc:
            raise TemplateProblem(f"is refused by the sandbox: {exc}") from None
        except TemplateError as exc:
            raise TemplateProblem(f"is not a valid template: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "message", None) or exc)
    line = getattr(exc, "lineno", None)
    return text.splitlines()[0] + (f" (template line {line})" if line and line > 1 else "")


def _check(tree: nodes.Template) -> None:
    """Refuse statements outside the allowed subset; route loops and `~` through the counted helpers."""
    for node in tree.find_all(nodes.Node):
        if isinstance(node, nodes.Stmt) and not isinstance(node, ALLOWED_STATEMENTS):
            raise TemplateProblem(f"uses `{type(node).__name__.lower()}`, which templates do not offer "
                                  "(expressions, if, for and set only)")
        if isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
            raise TemplateProblem(f"uses the filter {node.name!r}, which templates do not offer")
        if isinstance(node, nodes.Test) and node.name in ("callable",):
            raise TemplateProblem(f"uses the test {node.name!r}, which templates do not offer")
    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Call(nodes.Name(_COUNTED, "load"), [loop.iter], [], None, None)
    _replace_concat(tree)


def _replace_concat(node: nodes.Node) -> None:
    for field in node.fields:
        value = getattr(node, field, None)
        if isinstance(value, nodes.Concat):
            setattr(node, field, nodes.Call(nodes.Name(_CONCAT, "load"), list(value.nodes), [], None, None))
            _replace_concat(getattr(node, field))
        elif isinstance(value, nodes.Node):
            _replace_concat(value)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, nodes.Concat):
                    value[i] = nodes.Call(nodes.Name(_CONCAT, "load"), list(item.nodes), [], None, None)
                if isinstance(value[i], nodes.Node):
                    _replace_concat(value[i])


class Renderer:
    """Renders template documents: compile every string once (`compile_document`), then `render` per
    variable set. Not thread-safe (one budget per render); make one per thread."""

    def __init__(self) -> None:
        self.env = _Environment()
        self._cache: dict[str, Compiled | TemplateProblem] = {}

    def compiled(self, source: str) -> Compiled:
        """`source` compiled (cached); raises TemplateProblem for a syntax error or a refused construct."""
        found = self._cache.get(source)
        if found is None:
            try:
                found = Compiled(self.env, source)
            except TemplateProblem as exc:
                found = exc
            self._cache[source] = found
        if isinstance(found, TemplateProblem):
            raise TemplateProblem(str(found))
        return found

    def render(self, document: Any, variables: Mapping[str, Any],
               on_problem: Callable[[tuple, str], None] | None = None) -> Any:
        """`document` with every template string rendered with `variables`. A problem at a key path is
        passed to `on_problem(path, message)` (the value becomes None) or, without it, raised as
        TemplateProblem("key.path: message"). The budget covers the whole document."""
        self.env.budget = _Budget()
        context = {name: _plain_counted(value, self.env.budget) for name, value in variables.items()}

        def fail(path: tuple, message: str) -> None:
            if on_problem is None:
                raise TemplateProblem(f"{_format_path(path)}: {message}" if path else message)
            on_problem(path, message)

        def walk(value: Any, path: tuple) -> Any:
            if isinstance(value, str):
                if MARK not in value:
                    return value
                try:
                    return self._render_one(value, context)
                except TemplateProblem as exc:
                    fail(path, str(exc))
                except RecursionError:
                    fail(path, "nests too deeply")
                return None
            if isinstance(value, dict):
                out = {}
                for key, item in value.items():
                    new_key = walk(key, (*path, key)) if isinstance(key, str) and MARK in key else key
                    out[str(new_key) if new_key is not None else key] = walk(item, (*path, key))
                return out
            if isinstance(value, list):
                return [walk(item, (*path, i)) for i, item in enumerate(value)]
            return value

        return walk(document, ())

    def _render_one(self, source: str, context: Mapping[str, Any]) -> Any:
        compiled = self.compiled(source)
        try:
            if compiled.native:
                module = compiled.template.make_module(dict(context))
                return _native_plain(getattr(module, _RESULT))
            out: list[str] = []
            for chunk in compiled.template.generate(dict(context)):
                self.env.budget.step()
                self.env.budget.build(len(chunk))
                out.append(chunk)
            text = "".join(out)
            return text.replace(_CR, "\r") if compiled.cr else text
        except TemplateProblem:
            raise
        except SecurityError as exc:
            raise TemplateProblem(f"is refused by the sandbox: {_first_line(exc)}") from None
        except TemplateError as exc:
            raise TemplateProblem(_first_line(exc)) from None
        except (ArithmeticError, ValueError, TypeError, LookupError) as exc:
            raise TemplateProblem(f"fails: {type(exc).__name__}: {_first_line(exc)}") from None


def _plain_counted(value: Any, budget: _Budget) -> Any:
    """Variables as plain data whose lists count their iterations."""
    if isinstance(value, Mapping):
        return {k: _plain_counted(v, budget) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = _Counted(_plain_counted(v, budget) for v in value)
        items.budget = budget
        return items
    return value


def _native_plain(value: Any, depth: int = 0) -> Any:
    """A native result as plain design data (str, int, float, bool, None, lists, string-keyed dicts)."""
    if isinstance(value, Undefined):
        str(value)  # raises StrictUndefined's (or the sandbox's) own error
    if depth > 32:
        raise TemplateProblem("renders to a value nested too deeply")
    if value is None or isinstance(value, bool | int | str):
        return value if not isinstance(value, str) else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TemplateProblem(f"renders to {value}, which no export can write")
        return value
    if isinstance(value, Mapping):
        return {str(k): _native_plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [_native_plain(v, depth + 1) for v in value]
    raise TemplateProblem(f"renders to a {type(value).__name__}, not plain data")


def _format_path(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def template_strings(document: Any) -> Iterator[tuple[tuple, str]]:
    """(key path, string) of every string in `document` that holds a generation template (`${`)."""
    stack: list[tuple[tuple, Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if MARK in value:
                yield path, value
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and MARK in key:
                    yield (*path, key), key
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, i), item) for i, item in enumerate(value))

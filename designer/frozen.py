"""Immutable containers for the free, JSON-like data a design holds (task args, param defaults, literal lists).

`FrozenDict` and `FrozenList` subclass `dict` and `list`, so every consumer that tests `isinstance(v, dict)`,
calls `json.dumps`, dumps YAML or writes `repr` into generated code sees plain data and writes it byte for
byte as before. What they add: every mutator raises `TypeError`, contents are frozen deeply when the
container is built (so a frozen container never holds a mutable one), and they are hashable, so a design
holding them can be hashed. Copying returns the same object (there is nothing to protect), and pickling
rebuilds through the constructor, which re-freezes.

`freeze(value)` is the one entry point: dicts, lists, tuples and sets become their frozen forms, all the
way down; any other value must be hashable, which is how Python marks a value that cannot change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, NoReturn, get_args

import yaml
from pydantic import AfterValidator, GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema


def freeze(value: Any) -> Any:
    """`value` with every container replaced by an immutable one, deeply; raises ValueError for a value
    that is neither a container nor hashable (a bytearray, say), naming its type."""
    if isinstance(value, FrozenDict | FrozenList):
        return value  # frozen deeply when it was built
    if isinstance(value, dict):
        return FrozenDict(value)
    if isinstance(value, list):
        return FrozenList(value)
    if isinstance(value, tuple):
        return tuple(freeze(item) for item in value)
    if isinstance(value, set | frozenset):
        return frozenset(value)  # set members are hashable already
    try:
        hash(value)
    except TypeError:
        raise ValueError(f"a {type(value).__name__} value cannot be stored in a design: it can change in "
                         "place (use a string, number, boolean, null, list or mapping)") from None
    return value


def _refuse(self: Any, *_args: Any, **_kwargs: Any) -> NoReturn:
    raise TypeError(f"{type(self).__name__} is immutable: build a new value instead of changing this one")


class FrozenDict(dict):
    """A dict whose contents never change (see the module docstring)."""

    __slots__ = ()

    def __new__(cls, items: Mapping[Any, Any] | Iterable[tuple[Any, Any]] = (), /, **kwargs: Any) -> FrozenDict:
        self = dict.__new__(cls)
        dict.update(self, items, **kwargs)
        for key, value in dict.items(self):
            dict.__setitem__(self, key, freeze(value))
        return self

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        """Filled by __new__: calling __init__ again on a built FrozenDict must not refill it."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        # `FrozenDict[K, V]` validates, serializes and documents itself exactly as `dict[K, V]`, then freezes.
        plain = handler.generate_schema(dict[get_args(source) or (Any, Any)])
        return core_schema.no_info_after_validator_function(cls, plain)

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[type, tuple[dict[Any, Any]]]:
        return type(self), (dict(self),)

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, _memo: dict[int, Any]) -> FrozenDict:
        return self


class FrozenList(list):
    """A list whose contents never change (see the module docstring)."""

    __slots__ = ()

    def __new__(cls, items: Iterable[Any] = (), /) -> FrozenList:
        self = list.__new__(cls)
        list.extend(self, (freeze(item) for item in items))
        return self

    def __init__(self, *_args: Any) -> None:
        """Filled by __new__: calling __init__ again on a built FrozenList must not refill it."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        # `FrozenList[T]` validates, serializes and documents itself exactly as `list[T]`, then freezes.
        plain = handler.generate_schema(list[get_args(source) or (Any,)])
        return core_schema.no_info_after_validator_function(cls, plain)

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self))

    def __reduce__(self) -> tuple[type, tuple[list[Any]]]:
        return type(self), (list(self),)

    def __copy__(self) -> FrozenList:
        return self

    def __deepcopy__(self, _memo: dict[int, Any]) -> FrozenList:
        return self


# YAML writes them as the plain mappings and sequences they are. PyYAML looks representers up by exact
# type, so each representer table gets an entry; subclasses defined later copy these tables.
for _representer in (yaml.representer.SafeRepresenter, yaml.representer.Representer):
    _representer.add_representer(FrozenDict, _representer.represent_dict)
    _representer.add_representer(FrozenList, _representer.represent_list)


# A model field holding any JSON-like value (a param default, say), frozen deeply when validated.
FrozenData = Annotated[Any, AfterValidator(freeze)]

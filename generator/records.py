"""`Record`: a named tuple declared as a class, as `typing.NamedTuple` is, without `typing`.

`xgen lint` runs on every commit and builds its records at import. `typing` costs a cold
lint 4.3 ms to import, and `NamedTuple` 0.14 ms per class (it turns each annotation into
a `ForwardRef`, compiling it); `collections.namedtuple` takes half that and lint needs
nothing else from `typing` at run time. A type checker reads `Record` as `NamedTuple`.

    class Point(Record):
        x: int
        y: int = 0
"""

from collections import namedtuple

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (PEP 484's idiom)
if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    _RESERVED = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__"})
    _NOT_COPIED = frozenset({"__module__", "__qualname__", "__annotations__"})

    class _Declare(type):
        """Turns a class body (annotated fields, defaults, methods) into a named tuple."""

        def __new__(mcs, name: str, bases: tuple[type, ...], body: dict[str, object]) -> type:
            if not bases:  # `Record` itself
                return super().__new__(mcs, name, bases, body)
            if bases != (Record,):
                raise TypeError(f"{name}: a record derives from Record alone")
            fields = tuple(body.get("__annotations__", {}))
            first_default = next((i for i, f in enumerate(fields) if f in body), len(fields))
            defaults = [body[f] for f in fields[first_default:] if f in body]
            if len(defaults) != len(fields) - first_default:
                raise TypeError(f"{name}: a field without a default follows one with a default")
            if _RESERVED & body.keys():
                raise AttributeError(f"{name}: cannot set {sorted(_RESERVED & body.keys())}")
            made = namedtuple(name, fields, defaults=defaults, module=str(body["__module__"]))
            made.__qualname__ = str(body.get("__qualname__", name))
            for key, value in body.items():
                if key not in _NOT_COPIED and key not in fields:
                    setattr(made, key, value)
            return made

    class Record(metaclass=_Declare):
        """Base of a record class; the class made is a named tuple (no `Record` in its MRO)."""

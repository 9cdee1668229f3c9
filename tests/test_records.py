"""`Record` behaves as `typing.NamedTuple` does for every use xgen makes of a record:
fields and defaults, methods and properties, equality, `_replace`, pickling (the
parallel lint and the caches rely on tuples), and the same refusals."""

from __future__ import annotations

import pickle
import subprocess
import sys
from typing import NamedTuple

import pytest

from generator.records import Record


def declare(base: object) -> type:
    """The same class body over `base`: each record feature xgen uses."""

    class Point(base):  # type: ignore[misc, valid-type]
        """A point."""

        x: int
        y: str = "y"
        z: tuple[int, ...] = ()

        @property
        def both(self) -> str:
            return f"{self.x}{self.y}"

        def moved(self, by: int) -> Point:
            return self._replace(x=self.x + by)

    return Point


Point = declare(Record)
Typed = declare(NamedTuple)


@pytest.mark.parametrize("made", [Point, Typed])
def test_a_record_is_the_named_tuple_typing_would_make(made):
    point = made(1)
    assert point == (1, "y", ()) and isinstance(point, tuple)
    assert made._fields == ("x", "y", "z")
    assert made._field_defaults == {"y": "y", "z": ()}
    assert made(1, z=(2,)).z == (2,)
    assert point.both == "1y" and point.moved(2) == made(3)
    assert made.__doc__ == "A point."
    assert made.__qualname__ == "declare.<locals>.Point"
    assert made.__module__ == __name__
    assert repr(point) == "Point(x=1, y='y', z=())"
    with pytest.raises(AttributeError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        made()  # x has no default


class Pickled(Record):
    x: int
    y: str = "y"


def test_a_module_level_record_pickles():
    """The parallel lint and the caches hand records between processes."""
    assert pickle.loads(pickle.dumps(Pickled(1))) == Pickled(1)


def test_a_record_class_is_a_plain_named_tuple():
    """No metaclass or base left behind: the class costs what a namedtuple costs."""
    assert Point.__mro__ == (Point, tuple, object)
    assert not hasattr(Point(1), "__dict__")


def test_a_record_refuses_what_named_tuple_refuses():
    with pytest.raises(TypeError, match="without a default follows"):

        class Late(Record):
            a: int = 0
            b: int

    with pytest.raises(AttributeError, match="__init__"):

        class Built(Record):
            a: int

            def __init__(self) -> None: ...

    with pytest.raises(TypeError, match="derives from Record alone"):

        class Child(Point, Record):  # type: ignore[misc]
            pass


def test_linting_json_does_not_import_typing():
    """What Record is for: a cold `xgen lint` of JSON never imports typing (4 ms here)."""
    script = (
        "import sys; sys.argv = ['xgen', 'lint', '--no-cache', '-']\n"
        "from generator.lint import engine, report, command, registry\n"
        "registry.load_rules()\n"
        "print(sorted(m for m in ('typing', 'dataclasses', 'inspect') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"

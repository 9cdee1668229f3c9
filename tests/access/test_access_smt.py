"""Pieces of the z3 encoding that are easy to get subtly wrong."""

from __future__ import annotations

from generator.access.smt import _lower_preimage, lower_preimage


def test_the_ascii_shortcut_of_case_folding_equals_a_scan_of_the_whole_alphabet() -> None:
    table = _lower_preimage()
    for code in range(128):
        char = chr(code)
        low = char.lower()
        expected = table.get(low, char) if len(low) == 1 else char
        assert sorted(lower_preimage(char)) == sorted(expected), repr(char)
    assert lower_preimage("K") == "kK\u212a"  # KELVIN SIGN lowers to "k"
    assert sorted(lower_preimage("é")) == ["É", "é"]  # beyond ASCII: from the scan

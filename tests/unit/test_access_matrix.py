"""The README's access matrices and the tables the route-by-route tests follow agree."""

from pathlib import Path

import pytest

from tests.access_matrix import COLUMNS, TABLES, allowed, readme_tables

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("service", list(TABLES))
def test_the_readme_matrix_is_the_tested_one(service):
    in_readme = readme_tables(README)[service]
    assert list(in_readme) == list(TABLES[service])
    for route, cells in TABLES[service].items():
        assert in_readme[route] == cells, route


def test_every_cell_speaks_the_matrix_vocabulary():
    for table in TABLES.values():
        for cells in table.values():
            assert len(cells) == len(COLUMNS)
            for text in cells:
                assert text == "—" or text.startswith(("read", "write")), text


def test_a_condition_after_if_decides_and_brackets_do_not():
    assert allowed("read") and allowed("write (as its coach)")
    assert not allowed("—")
    assert allowed("read if shared", "shared") and not allowed("read if shared", "not shared")

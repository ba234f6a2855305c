"""Personal text fields (number, name, department, group names) are plain text: control
characters (NUL, ESC, BEL, newlines) are refused at the door, with the field named."""

from __future__ import annotations

import pytest

from faceapp.shared.errors import FaceAppError, InvalidValueError
from storage_helpers import CONSENT, MODEL, count, embeddings, enrol

BAD = ["Ana\x00Bad", "E\x1b[2J1", "Ops\x07", "two\nlines", "bidi\u202etxt"]


@pytest.mark.parametrize("field", ["number", "name", "department"])
@pytest.mark.parametrize("value", BAD)
def test_control_characters_are_refused_at_enrolment(repo, db_path, field, value):
    fields = {"number": "E9", "name": "Ana", "department": "Ops", field: value}
    with pytest.raises(InvalidValueError, match=f"{'employee number' if field == 'number' else field}.*control"):
        repo.enrol(fields["number"], fields["name"], fields["department"], CONSENT, embeddings(1), [1.0], MODEL)
    assert count(db_path, "employees") == 0


def test_control_characters_are_refused_when_editing(repo):
    emp, _ = enrol(repo)
    for field in ("number", "name", "department"):
        with pytest.raises(InvalidValueError, match="control"):
            repo.update_employee(emp.id, **{field: "x\x00y"})
    assert repo.get_employee(emp.id).name == emp.name


def test_blank_names_are_a_usage_error_not_a_bare_value_error(repo):
    with pytest.raises(InvalidValueError, match="name must not be empty"):
        repo.enrol("E1", "   ", "", CONSENT, embeddings(1), [1.0], MODEL)
    assert issubclass(InvalidValueError, FaceAppError) and issubclass(InvalidValueError, ValueError)


def test_group_names_too(repo):
    with pytest.raises(InvalidValueError, match="control"):
        repo.create_access_group("Night\x1b[0m", {"mon": ["00:00-24:00"]})

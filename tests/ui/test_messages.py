"""Messages shown in the window are sentences (issue 13 item 13: some started in lower case)."""

from faceapp.storage.errors import DuplicateEmployeeError
from faceapp.ui.messages import error_text, sentence


def test_errors_are_shown_as_sentences():
    assert error_text(DuplicateEmployeeError("7")).startswith("Employee number '7' is already in use")
    assert sentence("  the disk is full") == "The disk is full"
    assert sentence("/tmp/x.db is locked") == "/tmp/x.db is locked"  # a path keeps its case
    assert error_text(ValueError()) == "ValueError"

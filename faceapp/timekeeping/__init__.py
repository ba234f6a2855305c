"""Time keeping for payroll: timetables, shifts, assignments, holidays, leave and the
daily result of each employee, as pure functions over punches and rules (no Qt, no SQL);
reports turn results into tables, xlsx writes them."""

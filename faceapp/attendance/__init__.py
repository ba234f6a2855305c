"""Attendance rules (in/out, cooldown, local days, daily totals) and the CSV export for payroll."""

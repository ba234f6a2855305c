"""Door access rules (weekly schedules, groups, deny reasons) and the admin PIN."""

"""Vision engine, matching and rules. No Qt and no SQL in this package."""

"""Application services: core rules + storage, no Qt. The UI and the CLI both call these."""

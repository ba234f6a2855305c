"""Application services: domain rules + storage, no Qt. The UI and the CLI both call these."""

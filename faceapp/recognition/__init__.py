"""Who is this: gallery search, the tracker that decides once per track, head-turn liveness,
and the records the live view draws. Pure rules over descriptors, no I/O."""

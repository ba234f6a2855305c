"""Helpers shared by the storage tests (a unique module name: tests/ has no packages)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from faceapp.storage.db import open_db
from faceapp.storage.repository import Repository

MODEL = "dlib-resnet-v1"
CONSENT = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)


def embeddings(k: int = 3, dim: int = 128, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((k, dim)).astype(np.float32)


def enrol(repo: Repository, number: str = "E001", name: str = "Ada Lovelace", department: str = "R&D",
          k: int = 3, seed: int = 0, model_id: str = MODEL, dim: int = 128):
    emb = embeddings(k, dim, seed)
    return repo.enrol(number, name, department, CONSENT, emb, [1.0] * k, model_id), emb


def count(path: Path, table: str) -> int:
    """Row count through a separate plain connection: what is really on disk."""
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def repository_without_secure_delete(db_path: Path, monkeypatch) -> Repository:  # noqa: ANN001
    """A repository whose connections start with secure_delete off, as many SQLite builds
    default (this machine's build has it on): erasures must overwrite the bytes themselves."""
    from faceapp.storage import db as db_module

    connect = sqlite3.connect

    def build_without_secure_delete(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        con = connect(*args, **kwargs)
        con.execute("PRAGMA secure_delete = 0")
        return con

    monkeypatch.setattr(db_module.sqlite3, "connect", build_without_secure_delete)
    try:
        return Repository(open_db(db_path))
    finally:
        monkeypatch.undo()

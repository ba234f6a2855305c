"""`faceapp doctor`: what a support call needs to know, in one screen."""

from __future__ import annotations

import argparse
import json
import platform
import sys
from importlib import metadata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..app import EncoderChoice


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="versions, execution providers, model files and cameras")
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-cameras", action="store_true", help="skip opening cameras")
    p.set_defaults(func=cmd_doctor)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def collect(args: argparse.Namespace) -> tuple[dict, bool]:
    from pathlib import Path

    from .. import __version__
    from ..shared import paths
    from ..hardware.cameras import list_cameras
    from ..shared.errors import FaceAppError
    from ..vision.models import Manifest

    ok = True
    report: dict = {
        "faceapp": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {d: _version(d) for d in ("onnxruntime-gpu", "onnxruntime", "numpy",
                                             "opencv-python-headless", "PySide6-Essentials", "sqlite-utils")},
    }
    try:
        import onnxruntime as ort

        report["providers_available"] = ort.get_available_providers()
    except ImportError as exc:
        report["providers_available"] = f"onnxruntime not importable: {exc}"
        ok = False
    mdir = Path(args.models_dir) if args.models_dir else paths.models_dir()
    report["models_dir"] = str(mdir)
    models = {}
    try:
        manifest = Manifest(mdir)
        for key in manifest.keys():
            try:
                e = manifest.entry(key)
                models[key] = {"file": e.path.name, "sha256": e.sha256, "status": "ok", "licence": e.info.get("licence")}
            except FaceAppError as exc:
                models[key] = {"status": f"ERROR: {exc}"}
                ok = False
    except FaceAppError as exc:
        models["manifest"] = {"status": f"ERROR: {exc}"}
        ok = False
    report["models"] = models
    choice = _encoder_choice(args)
    report["encoder"] = choice.describe() if choice is not None else "n/a (database unreadable)"
    if ok:
        try:
            from .common import load_engine

            engine = load_engine(args, encoder=choice.encoder if choice is not None else None)
            report["provider_in_use"] = engine.provider
            report["model_id"] = engine.model_id
        except FaceAppError as exc:
            report["provider_in_use"] = f"ERROR: {exc}"
            ok = False
    report["database"] = _database(args, report.get("model_id"))
    if isinstance(report["database"], dict) and report["database"].get("stale_templates"):
        ok = False
    if str(report["database"].get("status", "")).startswith("ERROR"):  # damaged, newer, locked
        ok = False
    if not args.no_cameras:
        report["cameras"] = [c.__dict__ for c in list_cameras()]
    return report, ok


def _encoder_choice(args: argparse.Namespace) -> "EncoderChoice | None":
    """The encoder the database uses and why; a database not created yet gets the default."""
    from pathlib import Path

    from ..app import build_context, choose_encoder
    from ..settings import Settings
    from ..shared import paths
    from ..shared.errors import FaceAppError
    from ..storage.db import default_db_path
    from ..vision.models import Manifest

    path = Path(args.db) if args.db else default_db_path()
    try:
        manifest = Manifest(Path(args.models_dir) if args.models_dir else paths.models_dir())
        if not path.exists():
            return choose_encoder(Settings().recognition.encoder, {}, manifest)
        ctx = build_context(path)
        try:
            return choose_encoder(ctx.settings.recognition.encoder, ctx.repo.template_model_ids(), manifest,
                                  ctx.repo.people_by_model())
        finally:
            ctx.close()
    except FaceAppError:
        return None


def _database(args: argparse.Namespace, model_id: str | None) -> dict | str:
    """Employees and templates per face model; templates of another model need re-enrolment."""
    from pathlib import Path

    from ..shared.errors import FaceAppError
    from ..storage.db import default_db_path

    path = Path(args.db) if args.db else default_db_path()
    if not path.exists():
        from ..storage.known_db import KnownDatabases

        before = KnownDatabases.default().get(path)
        return {"path": str(path), "status": f"MISSING: used before, last opened {before.get('last_opened')}"
                if before else "not created yet"}
    try:
        from ..app import build_context

        ctx = build_context(path, read_only_ok=True)  # a copy on read-only media can be checked too
        by_model = ctx.repo.template_model_ids()
        people = ctx.repo.people_by_model()
        covered = people.get(model_id or "", set())
        # people with templates of another model and none of this one (a rebuild keeps both)
        stale = {m: len(ids - covered) for m, ids in people.items() if model_id and m != model_id and ids - covered}
        point = ctx.operating_point(model_id).describe() if model_id else "n/a (models not loaded)"
        return {"path": str(path) + (" (read-only)" if ctx.read_only else ""),
                "employees": len(ctx.repo.list_employees()), "templates": by_model,
                "stale_templates": stale, "status": "ok" if not stale else "re-enrolment needed",
                "operating_point": point}
    except FaceAppError as exc:
        return {"path": str(path), "status": f"ERROR: {exc}"}


def cmd_doctor(args: argparse.Namespace) -> int:
    from .common import EXIT_CHECK

    report, ok = collect(args)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0 if ok else EXIT_CHECK
    print(f"faceapp {report['faceapp']}  Python {report['python']}  {report['platform']}")
    for name, ver in report["packages"].items():
        print(f"  {name:24s} {ver}")
    print(f"execution providers available: {report['providers_available']}")
    print(f"execution provider in use:     {report.get('provider_in_use', 'n/a')}")
    print(f"face encoder: {report['encoder']}")
    print(f"models ({report['models_dir']}):")
    for key, m in report["models"].items():
        if m["status"] == "ok":
            print(f"  {key:20s} {m['file']:32s} sha256 {m['sha256'][:16]}…  ok")
        else:
            print(f"  {key:20s} {m['status']}")
    if "cameras" in report:
        cams = report["cameras"]
        print("cameras:" if cams else "cameras: none found")
        for c in cams:
            state = f"{c['width']}x{c['height']}" if c["opens"] else "cannot open"
            print(f"  [{c['index']}] {c['name']}: {state}")
    db = report["database"]
    print(f"database: {db['path']}: {db['status']}")
    if db.get("templates") is not None:
        print(f"  employees {db['employees']}, templates by model {db['templates']}")
        print(f"  recognition: {db['operating_point']}")
    for m, n in db.get("stale_templates", {}).items():
        print(f"  {n} {'person has' if n == 1 else 'people have'} templates of model {m} only: re-enrol "
              f"{'them' if n > 1 else 'that person'} or rebuild their templates (faceapp templates rebuild)")
    print("status: OK" if ok else "status: PROBLEMS FOUND (see above)")
    return 0 if ok else EXIT_CHECK

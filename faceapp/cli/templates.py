"""templates status | rebuild --encoder ID: face templates per encoder, and re-embedding
everyone from their enrolment crops after a model change (services/templates.py).

Exit codes: 0 done (people without crops are listed for re-enrolment but are no failure);
1 a person's rebuild failed (the others are kept) or it was stopped; 2 an unknown encoder.
"""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_CHECK, context


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("templates", help="face templates per encoder; rebuild them from the enrolment crops",
                       description=__doc__.splitlines()[0])
    acts = p.add_subparsers(dest="templates_action", metavar="ACTION", required=True)
    a = acts.add_parser("status", help="per encoder, how many people have templates; who has face crops")
    a.set_defaults(func=cmd_status)
    a = acts.add_parser("rebuild", help="re-embed everyone from their face crops with an encoder "
                                        "(one transaction per person; people already rebuilt are skipped)")
    a.add_argument("--encoder", required=True, metavar="ID", help="encoder id (see `faceapp doctor`), "
                                                                  "e.g. dlib_resnet_v1")
    a.add_argument("--quiet", action="store_true", help="no line per person, only the summary")
    a.set_defaults(func=cmd_rebuild)


def cmd_status(args: argparse.Namespace) -> int:
    ctx = context(args)
    st = ctx.templates().status()
    active = ctx.model_id
    print(f"{st.people_total} people; {st.people_with_crops} with face crops (can be rebuilt for any encoder)")
    for model_id in sorted(set(st.people_per_model) | {active}):
        mark = " (active)" if model_id == active else ""
        print(f"  {model_id}{mark}: {st.people_per_model.get(model_id, 0)} people with templates")
    missing = ctx.templates().without_crops(active)
    if missing:
        print(f"{len(missing)} people have neither {active} templates nor face crops: re-enrol them")
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    ctx = context(args)
    encoder = ctx.crop_encoder(args.encoder)

    def progress(done: int, total: int, outcome) -> None:  # noqa: ANN001
        if not args.quiet or not outcome.rebuilt:
            state = "rebuilt" if outcome.rebuilt else "FAILED "
            print(f"[{done}/{total}] {state} {outcome.employee.number} {outcome.employee.name}: {outcome.reason}",
                  flush=True)

    report = ctx.templates().rebuild(encoder, actor="cli", progress=progress)
    print(report.summary())
    if report.without_crops:
        print(f"enrolled before face crops were kept; re-enrol them to use {report.model_id}:")
        for emp in report.without_crops:
            print(f"  {emp.number} {emp.name}")
    if report.failed or report.cancelled:
        print(f"error: {len(report.failed)} people could not be rebuilt (see above); the others are saved",
              file=sys.stderr)
        return EXIT_CHECK
    return 0

"""Per-frame recognition: analyse -> search -> track -> decide -> record attendance.

The one code path behind the live camera view and `faceapp identify VIDEO`, so what the
tests prove on a video file is what the front desk runs.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import numpy as np

from ..access.rules import LIVENESS_FAILED, PRESENTATION_ATTACK, AccessDecision
from ..attendance.rules import AttendanceRules
from ..recognition.views import Announcement, DoorResult, FrameResult, TrackView
from ..recognition.liveness import LivenessMonitor
from ..recognition import passive as policy
from ..recognition.passive import PassiveFusion, PolicyVerdict
from ..recognition.gallery import Gallery, Match
from ..shared.records import Employee
from .pending_writes import PendingWrites
from ..settings import Settings
from ..recognition.calibration import OperatingPoint, calibrated_gallery
from ..recognition.fusion import frame_weight
from ..recognition.quality_model import COME_CLOSER
from ..recognition.tracker import Decision, FaceTracker, Observation, iou_matrix
from ..recognition.units import units_for
from ..recognition.unknown_groups import FACES_PER_SIGHTING, face_score
from ..storage.rows import UnknownFace
from ..vision.types import Face
from ..vision.tracked import TrackGuidedDetection

log = logging.getLogger(__name__)

# A decided track's face is embedded every this many frames only: enough to notice another
# person taking its place within a fifth of a second at 25-30 fps.
RECHECK_EVERY = 5


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


class RecognitionService:
    """Owns the gallery, tracker and attendance rules; records decisions in the repository.

    Thread-safety: process() runs on the inference thread; reload_gallery() may be called
    from any thread after an enrolment (the gallery is swapped atomically under a lock).
    on_database_change() is the storage.watch.ChangeWatch subscriber: when another process
    erases, deactivates or enrols someone, or changes the settings, the gallery, names and
    settings are reloaded on the watcher's thread, off the hot path, and swapped in.
    """

    def __init__(self, engine, repo, settings: Settings, source: str = "camera",
                 on_decision: Callable[[Decision, Announcement], AccessDecision | None] | None = None):
        self.engine = engine
        self.repo = repo
        self.settings = settings
        self.source = source
        # e.g. the door (issue 5): its AccessDecision goes out with the announcement (Announcement.door)
        self.on_decision = on_decision
        self.rules = AttendanceRules.from_settings(settings.attendance)
        self.units = units_for(engine)  # every distance in the encoder's units (recognition/units.py)
        self.tracker = FaceTracker.from_settings(settings.recognition, self.units)
        self.liveness = LivenessMonitor(settings.liveness)
        # passive scores of the tracks whose verdict a door reads, fused over their first frames
        self.passive_fusion = PassiveFusion(settings.liveness.passive_frames)
        self.passive = None  # vision.liveness_model.PassiveLiveness, loaded when the policy needs it
        self.detection = TrackGuidedDetection(engine)  # near the tracks; the whole frame now and then
        self._frames = 0  # frames processed: the decided tracks' identity re-checks are spread over them
        self.writes = PendingWrites()  # decided events wait here while the database is busy (app.py shares one)
        # Known people waiting for the head-turn challenge: track id -> (decision, frames waited)
        self.pending: dict[int, tuple[Decision, int]] = {}
        # Known faces refused as a photo/screen or by the head turn: drawn "Not let in", never by name
        self.refused: set[int] = set()
        # Undecided tracks' best faces so far with their frames (retention_keep_unknown_pictures):
        # a track decided unknown keeps them as its sighting's pictures and face data.
        self._best_faces: dict[int, list[tuple[float, int, Face, np.ndarray]]] = {}  # the face around its region
        self._lock = threading.Lock()
        self.gallery = Gallery.empty()
        self.operating_point: OperatingPoint | None = None
        self.employees: dict[int, Employee] = {}
        self._next_tracker: FaceTracker | None = None  # new recognition settings: swapped in at the next frame
        # called (on the reloading thread) with the new operating point after each reload
        self.on_reload: Callable[[OperatingPoint], None] | None = None
        self.settings_source: Callable[[], Settings] | None = None  # the site settings as last stored
        self.reload_gallery()

    def reload_gallery(self) -> None:
        """Reload the people and recompute the operating point: the threshold that holds the
        site's stranger rate depends on how many people are enrolled (recognition/calibration.py)."""
        ids, mat = self.repo.load_templates(self.engine.model_id)
        gallery, point = calibrated_gallery(ids, mat, self.settings.recognition, self.tracker.looks, self.units)
        employees = {e.id: e for e in self.repo.list_employees(active_only=True)}
        with self._lock:
            self.gallery, self.operating_point, self.employees = gallery, point, employees
        log.info("gallery: %d people, %d templates (model %s); %s", gallery.n_people, len(ids), self.engine.model_id,
                 point.describe())
        if self.on_reload is not None:
            self.on_reload(point)

    def apply_settings(self, settings: Settings) -> bool:
        """Settings changed while running (another process's `faceapp settings set`): the
        attendance rules and liveness take them at once, the tracker at the next frame (open
        tracks start again), and the gallery is recalibrated when recognition changed
        (returns True then)."""
        changed = self.settings.changed_sections(settings)
        if not changed:
            return False
        self.settings = settings
        self.rules = AttendanceRules.from_settings(settings.attendance)
        self.liveness.settings = settings.liveness
        self.passive_fusion.max_frames = settings.liveness.passive_frames
        log.info("settings reloaded: %s", ", ".join(sorted(changed)))
        if "recognition" not in changed:
            return False
        self._next_tracker = FaceTracker.from_settings(settings.recognition)
        self.reload_gallery()
        return True

    def on_database_change(self, changes) -> None:  # noqa: ANN001 - storage.watch.DatabaseChanges
        """Another process changed the database: new settings (from `settings_source`, the
        composition root's re-read copy) are applied; people (an erasure, a deactivation, an
        enrolment) reload the gallery and names."""
        reloaded = False
        if "settings" in changes and self.settings_source is not None:
            reloaded = self.apply_settings(self.settings_source())
        if "people" in changes and not reloaded:
            self.reload_gallery()

    def _judge(self, probe: np.ndarray, quality: float = float("nan")) -> Match:
        """The gallery's verdict at the threshold for this track's quality (the face size of
        the frames fused); too poor a track is not decided on ("please come closer")."""
        with self._lock:
            gallery, point = self.gallery, self.operating_point
        m = gallery.search(probe)[0]
        return point.quality.apply(m, quality) if point is not None and point.quality is not None else m

    def stale_templates(self) -> dict[str, int]:
        """Templates made by another model than the one loaded: those people must re-enrol."""
        return {m: n for m, n in self.repo.template_model_ids().items() if m != self.engine.model_id}

    def _name(self, employee_id: int | None) -> str:
        e = self.employees.get(employee_id) if employee_id is not None else None
        return e.name if e else "Unknown"

    def process(self, image: np.ndarray, frame_id: int, ts: datetime) -> tuple[list[TrackView], list[Announcement]]:
        if self._next_tracker is not None:
            self.tracker, self._next_tracker = self._next_tracker, None
        tracks = self.tracker.tracks()
        self._frames += 1
        faces = self.detection.analyze(image, [t.box for t in tracks], self._embed_mask(tracks))
        u = self.units
        observations = [None if f.embedding is None else
                        Observation(f.embedding, frame_weight(f.quality.yaw_deg, u.yaw_scale_deg, u.min_weight)
                                    if f.quality else 1.0, f.quality.size_px if f.quality else float("nan"))
                        for f in faces]
        boxes = np.stack([f.box for f in faces]) if faces else np.zeros((0, 4), np.float32)
        decided_before = {t.track_id for t in self.tracker.tracks() if t.decision is not None}
        decisions = self.tracker.update(frame_id, boxes, observations, self._judge)
        mode = self.liveness_policy
        if mode != policy.OFF:
            scored = []
            for f, tid in zip(faces, self.tracker.assignment):
                if not self._liveness_pending(tid, decided_before):
                    continue
                if mode != policy.PASSIVE:
                    self.liveness.defer(tid, f.landmarks, f.shape5)  # checked if and when it is read
                if mode in (policy.PASSIVE, policy.PASSIVE_THEN_CHALLENGE) and self.passive_fusion.wants(tid):
                    scored.append((tid, f.box))
            if scored:  # crops now (the frame is gone later), the models only when the verdict is read
                crops = self.passive_scorer().crops(image, np.stack([b for _, b in scored]))
                for (tid, _), crop in zip(scored, crops):
                    self.passive_fusion.defer(tid, crop)
        alive = {t.track_id for t in self.tracker.tracks()}
        if self.settings.retention.keep_unknown_pictures:
            self._keep_best_faces(faces, image, decided_before)
        anns = [self._act(d, ts) for d in decisions]
        for tid in [t for t in self._best_faces if t not in alive]:  # ended (and acted on above)
            del self._best_faces[tid]
        for d in decisions:  # a known person's faces are not kept
            self._best_faces.pop(d.track_id, None)
        anns += self._resolve_pending(ts, alive)
        self.liveness.keep_only(alive | set(self.pending))
        self.passive_fusion.keep_only(alive | set(self.pending))
        self.refused &= alive
        return self._views(), anns

    def finish(self, ts: datetime) -> list[Announcement]:
        """End of stream: tracks still open are decided (or dropped) now."""
        anns = [self._act(d, ts) for d in self.tracker.flush(self._judge)]
        self._best_faces.clear()
        return anns + self._resolve_pending(ts, set())

    def _keep_best_faces(self, faces: list[Face], image: np.ndarray, decided_before: set[int]) -> None:
        """Remember each undecided track's FACES_PER_SIGHTING best faces (face_score) with
        the part of the frame around them (not whole frames: a few KB per face); crops are
        made only if the track is decided unknown."""
        for f, tid in zip(faces, self.tracker.assignment):
            if tid in decided_before or f.embedding is None or f.quality is None:
                continue
            score = face_score(dataclasses.asdict(f.quality), self.units)
            kept = self._best_faces.setdefault(tid, [])
            if len(kept) >= FACES_PER_SIGHTING and score <= kept[-1][0]:
                continue
            kept.append((score, self._frames, *_face_region(image, f)))
            kept.sort(key=lambda k: (-k[0], k[1]))
            del kept[FACES_PER_SIGHTING:]

    def _unknown_faces(self, track_id: int) -> list[UnknownFace]:
        """The sighting's faces for a track decided unknown, best first (none when pictures
        of unknown faces are not kept, or no face of the track was embedded)."""
        kept = self._best_faces.pop(track_id, [])
        if not self.settings.retention.keep_unknown_pictures:
            return []
        out = []
        for score, _, face, image in kept:
            try:
                crop = self.engine.make_crop(image, face).crop
            except (ValueError, AttributeError) as exc:  # the picture is a courtesy, the sighting counts anyway
                log.warning("no picture kept of an unknown face (track %s): %s", track_id, exc)
                continue
            out.append(UnknownFace(crop.data, crop.points, face.embedding, self.engine.model_id,
                                   dataclasses.asdict(face.quality), score))
        return out

    def liveness_ok(self, decision: Decision) -> bool | None:
        """The verdict the access service asks for, by the door's policy: the fused passive
        score and/or the head turn. None for unknown faces (not checked: they are denied as
        "unknown" anyway) or when the policy is off."""
        if decision.employee_id is None or self._door_policy() == policy.OFF:
            return None
        v = self.verdict(decision.track_id, final=True)
        return None if v.state == policy.UNCHECKED else v.state == policy.LIVE

    def liveness_reason(self, decision: Decision) -> str:
        """Why liveness_ok was False: the passive check (a photo or screen) or the head turn."""
        from ..access.rules import LIVENESS_FAILED, PRESENTATION_ATTACK

        v = self.verdict(decision.track_id, final=True)
        return PRESENTATION_ATTACK if v.state == policy.SPOOF and v.by_passive else LIVENESS_FAILED

    def verdict(self, track_id: int, final: bool = False) -> PolicyVerdict:
        """The policy's verdict for a track now (recognition/passive.py decide). final: the
        head turn counts as finished (its window ended or it passed)."""
        live, mode = self.settings.liveness, self.liveness_policy
        fused = self.passive_fusion.fused(track_id, self._score_crops)
        v = policy.decide(mode, fused, live.passive_accept, live.passive_reject, 1, None)
        if v.state != policy.ASK:  # settled without the head turn: its deferred fits are never run
            return v
        challenge = self.liveness.result(track_id).live
        return policy.decide(mode, fused, live.passive_accept, live.passive_reject, 1,
                             challenge if (challenge or final) else None)

    def _score_crops(self, crops: list) -> list[float]:
        return [sc.real for sc in self.passive_scorer().score_crops(np.stack(crops))]

    def _door_policy(self) -> str:
        """The door's liveness policy (DoorSettings.liveness), off when liveness_for_door is off."""
        return self.settings.door.liveness if self.settings.liveness.for_door else policy.OFF

    @property
    def liveness_policy(self) -> str:
        """The policy in force for decisions: the door's when a door hook reads it; otherwise
        the head turn when attendance asks for liveness; else off."""
        door = self._door_policy() if self.on_decision is not None else policy.OFF
        if door != policy.OFF:
            return door
        return policy.CHALLENGE if self.settings.liveness.for_attendance else policy.OFF

    def passive_scorer(self):  # noqa: ANN201 - vision.liveness_model.PassiveLiveness
        """The passive models, loaded on first need (a missing or damaged file raises here,
        at start-up when prepare_liveness() is called)."""
        if self.passive is None:
            self.passive = self.engine.passive_liveness()
        return self.passive

    def prepare_liveness(self) -> None:
        """Load the passive models now when the policy in force needs them (start-up, not the
        first visitor)."""
        if self.liveness_policy in (policy.PASSIVE, policy.PASSIVE_THEN_CHALLENGE):
            self.passive_scorer()

    def _embed_mask(self, tracks):  # noqa: ANN001, ANN202 - TrackSnapshots -> engine.analyze's embed
        """Which faces of this frame need a descriptor: not one that can only be a decided track
        seen in the frame before (its decision stands for the track), except every
        RECHECK_EVERY frames, when the descriptor is compared with the track's previous one
        (another person in the same place starts a new track, recognition/tracker.py). A face
        that also overlaps another track, or a decided track that was missed (someone else
        may stand there now), is embedded. None: embed every face."""
        threshold = self.tracker.iou_threshold
        settled = [t.missed == 0 and t.decision is not None and (self._frames + t.track_id) % RECHECK_EVERY != 0
                   for t in tracks]
        if not any(settled):
            return None
        boxes = np.asarray([t.box for t in tracks], np.float64)
        settled_ = np.asarray(settled)

        def wanted(face_boxes: np.ndarray) -> np.ndarray:
            near = iou_matrix(face_boxes, boxes) >= threshold  # (faces, tracks)
            only_settled = near.any(1) & ~(near & ~settled_[None, :]).any(1) & (near.sum(1) == 1)
            return ~only_settled

        return wanted

    def _liveness_pending(self, track_id: int, decided_before: set[int]) -> bool:
        """Whether anyone will read this track's head-turn verdict: it is undecided (the
        verdict is read when it is decided, this frame included) or its decision waits for
        the challenge. A decided track's verdict is never read again, so its homography fits
        (a quarter of a video's processing time) are skipped."""
        return track_id not in decided_before or track_id in self.pending

    @property
    def _needs_liveness(self) -> bool:
        """Something reads the verdict: attendance needs it, or a door hook asks for it."""
        return self.liveness_policy != policy.OFF

    def _resolve_pending(self, ts: datetime, alive: set[int]) -> list[Announcement]:
        """Finish the side effects of people who passed the challenge, or whose track ended /
        ran out of time without passing (the door then denies with "liveness failed")."""
        out = []
        for tid, (d, waited) in list(self.pending.items()):
            live = self.liveness.result(tid).live
            if live or tid not in alive or waited >= self.settings.liveness.window_frames:
                del self.pending[tid]
                out.append(self._side_effects(d, ts, self.verdict(tid, final=True).state == policy.LIVE))
            else:
                self.pending[tid] = (d, waited + 1)
        return out
    def _views(self) -> list[TrackView]:
        out = []
        for t in self.tracker.tracks():
            if t.missed:  # kept alive for re-association, but not in this frame: do not draw
                continue
            d = t.decision
            if d is None and t.prompt == COME_CLOSER:
                out.append(TrackView(t.track_id, np.asarray(t.box, np.float32), "closer", "Please come closer"))
            elif d is None:
                out.append(TrackView(t.track_id, np.asarray(t.box, np.float32), "identifying", "Identifying…"))
            elif d.employee_id is None:
                out.append(TrackView(t.track_id, np.asarray(t.box, np.float32), "unknown", "Unknown", d.distance))
            elif t.track_id in self.refused:
                out.append(TrackView(t.track_id, np.asarray(t.box, np.float32), "refused", "Not let in", d.distance))
            elif t.track_id in self.pending:
                out.append(TrackView(t.track_id, np.asarray(t.box, np.float32), "turn_head", "Please turn your head",
                                     d.distance))
            else:
                out.append(TrackView(t.track_id, np.asarray(t.box, np.float32), "known",
                                     self._name(d.employee_id), d.distance))
        return out

    def _act(self, d: Decision, ts: datetime) -> Announcement:
        """A new decision: a known person whose fused passive score says live goes through
        without a prompt; one it says is a photo or screen is refused (no attendance, the door
        denies "photo or screen"); one the policy cannot settle by the passive score (head turn
        for everyone, or unsure) is asked to turn their head, with every side effect held
        back until they pass or give up."""
        if d.employee_id is None or not self._needs_liveness:
            return self._side_effects(d, ts, None)
        v = self.verdict(d.track_id)
        if v.state == policy.PENDING:  # no passive score for this track (never scored): fail secure
            v = (PolicyVerdict(policy.ASK, "no passive score") if self.liveness_policy == policy.PASSIVE_THEN_CHALLENGE
                 else PolicyVerdict(policy.SPOOF, "no passive score", True))
        log.info("liveness track=%s: %s (%s)", d.track_id, v.state, v.why)
        if v.state == policy.LIVE:
            return self._side_effects(d, ts, True)
        if v.state == policy.SPOOF and v.by_passive:
            return self._refuse(d, ts)
        self.pending[d.track_id] = (d, 0)
        name = self._name(d.employee_id)
        return Announcement(ts, d.employee_id, name, "challenge",
                            f"{name}: please turn your head slightly left, then right")

    def _refuse(self, d: Decision, ts: datetime) -> Announcement:
        """The passive check refused a known face: nothing is booked, the door hook is told
        (its access check reads liveness_ok False, reason "photo or screen")."""
        ann = Announcement(ts, d.employee_id, self._name(d.employee_id), "spoof",
                           "Not let in - this looks like a photo or a screen; please see reception")
        log.info("decision track=%s employee=%s distance=%.3f -> refused by the passive check", d.track_id,
                 d.employee_id, d.distance)
        self.refused.add(d.track_id)
        if self.on_decision is not None:
            self.on_decision(d, ann)
        return ann

    def _side_effects(self, d: Decision, ts: datetime, live: bool | None) -> Announcement:
        """An attendance row (unless in cooldown or liveness failed), then the door hook."""
        if live is False and d.employee_id is not None and self.settings.liveness.for_attendance:
            name = self._name(d.employee_id)
            ann = Announcement(ts, d.employee_id, name, "liveness_failed",
                               f"{name}: not confirmed - please look at the camera and turn your head")
        elif d.employee_id is None:
            text = ("Not recognised - please come closer to the camera" if d.reason == COME_CLOSER
                    else "Not recognised - please see reception")
            ann = Announcement(ts, None, "Unknown", "unknown", text, d.reason)
            faces = self._unknown_faces(d.track_id)
            self.writes.submit(f"unknown face at {ts.isoformat()}",
                               lambda: self.repo.add_unknown_sighting(ts, self.source, d.distance, faces=faces))
        else:
            name = self._name(d.employee_id)
            local = ts.astimezone(self.rules.tz).strftime("%H:%M")
            # in/out and the cooldown are decided inside the write transaction (two kiosks
            # cannot both book); while the database is busy the booking waits in self.writes
            # from that person's events of ts's own local day, those before ts in time order
            rule = lambda day_events: self.rules.decide(d.employee_id, ts, day_events)  # noqa: E731
            booking = self.writes.submit(
                f"attendance of employee {d.employee_id} at {ts.isoformat()}",
                lambda: self.repo.book_attendance(d.employee_id, ts, rule, self.source, d.distance, d.margin,
                                                  window=self.rules.booking_window(ts)))
            kind = booking.result.kind if booking.written else None
            if booking.dropped or (booking.written and booking.result.refused):
                # deleted, deactivated or erased by another process since the gallery was loaded:
                # not booked (checked inside the booking transaction) and not greeted by name
                ann = Announcement(ts, None, "Unknown", "unknown", "Not recognised - please see reception")
            elif not booking.written:
                ann = Announcement(ts, d.employee_id, name, "queued",
                                   f"{name} - seen {local}; recorded as soon as the database is free")
            elif kind is None:
                ann = Announcement(ts, d.employee_id, name, "repeat", f"Hello again, {name} - already recorded")
            else:
                verb = "checked in" if kind == "in" else "checked out"
                greet = "Welcome" if kind == "in" else "Goodbye"
                ann = Announcement(ts, d.employee_id, name, kind, f"{greet}, {name} - {verb} {local}")
        log.info("decision track=%s employee=%s distance=%.3f -> %s", d.track_id, d.employee_id, d.distance, ann.kind)
        if self.on_decision is not None:
            verdict = self.on_decision(d, ann)
            if isinstance(verdict, AccessDecision):  # the kiosk says what the door did, not only the booking
                ann = replace(ann, door=DoorResult(verdict.granted, verdict.reason))
        if d.employee_id is not None and (ann.kind == "liveness_failed" or (
                ann.door is not None and not ann.door.granted and ann.door.reason in (LIVENESS_FAILED,
                                                                                      PRESENTATION_ATTACK))):
            self.refused.add(d.track_id)  # the banner refuses: the box must not greet them by name
        return ann


# The part of the frame kept around a face: the enrolment crop reaches CROP_PADDING (0.6) of
# the face square beyond it on each side, rotated up to 45 degrees; 1.6 face sizes cover that.
REGION_MARGIN = 1.6


def _face_region(image: np.ndarray, face: Face) -> tuple[Face, np.ndarray]:
    """A copy of the frame around the face, and the face with its landmarks in that copy's
    pixels: what make_crop needs, without holding the whole frame."""
    x1, y1, x2, y2 = (float(v) for v in face.box)
    m = REGION_MARGIN * max(x2 - x1, y2 - y1)
    h, w = image.shape[:2]
    x0, y0 = max(0, int(x1 - m)), max(0, int(y1 - m))
    xe, ye = min(w, int(np.ceil(x2 + m))), min(h, int(np.ceil(y2 + m)))
    shift = np.array([x0, y0], np.float32)
    moved = dataclasses.replace(face, shape5=np.asarray(face.shape5, np.float32) - shift,
                                landmarks=np.asarray(face.landmarks, np.float32) - shift)
    return moved, image[y0:ye, x0:xe].copy()


class LiveLoop:
    """Inference on a named thread, fed by a CaptureThread, publishing FrameResults.

    The publish callback is called on the inference thread; the UI turns it into a queued
    Qt signal. Video files get timestamps from their position (start + pos), cameras from
    the clock, so a recorded clip books the same events every run.
    """

    def __init__(self, service: RecognitionService, capture, publish: Callable[[FrameResult], None],
                 start_time: datetime | None = None, name: str = "faceapp-inference"):
        self.service = service
        self.capture = capture
        self.publish = publish
        self.start_time = start_time
        self.name = name
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.frames = 0
        self.skipped = 0  # frames taken while paused

    def start(self) -> "LiveLoop":
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def _ts(self, frame) -> datetime:
        if self.start_time is not None:
            return self.start_time + timedelta(milliseconds=frame.pos_ms)
        return now_utc()

    def _run(self) -> None:
        stamps: list[float] = []
        last_ts = self.start_time or now_utc()
        try:
            while not self._stop.is_set():
                frame = self.capture.get()
                if frame is None:
                    break
                if self._paused.is_set():  # the camera serves someone else (enrolment) meanwhile
                    self.skipped += 1
                    continue
                t0 = time.perf_counter()
                last_ts = self._ts(frame)
                views, anns = self.service.process(frame.image, frame.index, last_ts)
                now = time.monotonic()
                stamps = [s for s in stamps if now - s < 1.0] + [now]
                self.frames += 1
                self.publish(FrameResult(frame.index, frame.image, views, anns, float(len(stamps)),
                                         self.capture.stats.dropped, (time.perf_counter() - t0) * 1000))
            anns = self.service.finish(last_ts)
            if anns:
                self.publish(FrameResult(-1, np.zeros((0, 0, 3), np.uint8), [], anns, 0.0,
                                         self.capture.stats.dropped, 0.0))
        except BaseException as exc:  # surfaced to the UI/CLI instead of dying silently
            log.exception("inference thread failed")
            self.error = exc

    def pause(self) -> None:
        """Stop recognising until resume(); frames are still taken, so the capture stays
        live for its other readers (the enrolment wizard) and no decision is made meanwhile."""
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.capture.stop()
        if self._thread is not None:
            self._thread.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

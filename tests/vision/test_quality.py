import cv2
import numpy as np
import pytest

from faceapp.vision.quality import blur_score, measure, pose_from_landmarks

# frontal face: eyes level, nose on the midline, mouth corners below
FRONTAL = np.array([[40, 50], [80, 50], [60, 75], [45, 95], [75, 95]], np.float32)


def _rotate(pts, deg, centre=(60, 70)):
    m = cv2.getRotationMatrix2D(centre, -deg, 1.0)  # OpenCV: positive = counter-clockwise
    return (np.c_[pts, np.ones(len(pts))] @ m.T).astype(np.float32)


def test_frontal_face_has_zero_pose():
    yaw, roll = pose_from_landmarks(FRONTAL)
    assert abs(yaw) < 1e-6 and abs(roll) < 1e-6


@pytest.mark.parametrize("deg", [-30, -10, 15, 40])
def test_roll_follows_in_plane_rotation_and_yaw_stays_zero(deg):
    yaw, roll = pose_from_landmarks(_rotate(FRONTAL, deg))
    assert roll == pytest.approx(deg, abs=0.01)
    assert abs(yaw) < 0.01


def test_yaw_sign_and_growth_with_nose_offset():
    turned = FRONTAL.copy()
    turned[2, 0] += 10  # nose towards image right
    yaw_small, _ = pose_from_landmarks(turned)
    turned[2, 0] += 10
    yaw_big, _ = pose_from_landmarks(turned)
    assert 0 < yaw_small < yaw_big < 90
    turned[2, 0] = 40  # nose over the left eye
    assert pose_from_landmarks(turned)[0] < -30


def test_blur_drops_when_chip_is_blurred(astronaut):
    chip = cv2.resize(astronaut[0:200, 150:350], (150, 150))
    assert blur_score(cv2.GaussianBlur(chip, (0, 0), 2.0)) < 0.3 * blur_score(chip)


def test_measure_reports_size_eye_distance_and_brightness(astronaut):
    chip = cv2.resize(astronaut[0:200, 150:350], (150, 150))
    q = measure(np.array([10, 20, 110, 140], np.float32), FRONTAL, chip)
    assert q.size_px == 100 and q.eye_distance_px == pytest.approx(40)
    dark = measure(np.array([10, 20, 110, 140], np.float32), FRONTAL, (chip * 0.2).astype(np.uint8))
    assert dark.brightness < 0.3 * q.brightness

#!/usr/bin/env python3
"""Draws the simulator's look preview images (Fixtures/previews/<look_id>.png).

Small, real PNGs: a backdrop per look and a head-and-shoulders figure, so `p` in the Looks pane has
something to show through chafa in --demo and in tests. Deterministic: run it again, get the same bytes.
"""
import json, math, os, struct, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = {"landscape": (160, 90), "portrait": (90, 160), "square": (120, 120)}
# backdrop top colour, bottom colour, shirt colour, hair colour
SCENES = {
    "lk_twin_office": ((70, 96, 130), (180, 190, 205), (40, 60, 110), (60, 40, 30)),
    "lk_twin_studio": ((60, 30, 90), (150, 90, 170), (20, 20, 25), (30, 25, 20)),
    "lk_twin_kitchen": ((200, 150, 90), (240, 220, 180), (170, 40, 40), (120, 70, 30)),
    "lk_twin_garden": ((90, 160, 220), (70, 150, 60), (240, 240, 235), (90, 60, 30)),
    "lk_twin_lecture": ((90, 60, 40), (170, 130, 90), (60, 70, 60), (40, 30, 25)),
    "lk_twin_beach": ((80, 170, 240), (235, 210, 150), (240, 120, 60), (200, 160, 80)),
    "lk_twin_library": ((50, 30, 20), (120, 80, 50), (110, 30, 40), (20, 15, 10)),
    "lk_twin_rooftop": ((250, 120, 60), (60, 40, 90), (30, 30, 60), (50, 30, 20)),
    "lk_twin_cafe": ((120, 80, 60), (210, 180, 150), (30, 110, 100), (70, 45, 25)),
}
SKIN = (224, 172, 140)


def mix(a, b, t):
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))


def draw(scene, size):
    top, bottom, shirt, hair = scene
    w, h = size
    cx, unit = w / 2, min(w, h)
    head_y, head_r = h * 0.42, unit * 0.17
    rows = []
    for y in range(h):
        row = bytearray([0])  # filter: none
        for x in range(w):
            c = mix(top, bottom, y / (h - 1))
            dx, dy = (x - cx) / head_r, (y - head_y) / (head_r * 1.15)
            shoulders = ((x - cx) / (unit * 0.42)) ** 2 + ((y - h * 1.02) / (h * 0.36)) ** 2
            if shoulders <= 1:
                c = mix(shirt, (0, 0, 0), max(0.0, (y - h * 0.7) / h))
            elif dx * dx + dy * dy <= 1:
                c = hair if dy < -0.45 or (abs(dx) > 0.82 and dy < 0.2) else mix(SKIN, (150, 100, 80), (dx + 1) / 4)
            elif abs(x - cx) < head_r * 0.35 and head_y < y < head_y + head_r * 1.6:
                c = mix(SKIN, (150, 100, 80), 0.3)  # neck
            row += bytes(c)
        rows.append(bytes(row))
    return png(w, h, b"".join(rows))


def png(w, h, raw):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    looks = json.load(open(os.path.join(HERE, "Fixtures", "looks.json")))
    out = os.path.join(HERE, "Fixtures", "previews")
    os.makedirs(out, exist_ok=True)
    for look in looks:
        scene = SCENES.get(look["id"])
        if scene is None:
            continue
        size = SIZES.get(look.get("preferred_orientation") or "square", SIZES["square"])
        with open(os.path.join(out, look["id"] + ".png"), "wb") as f:
            f.write(draw(scene, size))


if __name__ == "__main__":
    main()

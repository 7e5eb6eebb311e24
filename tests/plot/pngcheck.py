#!/usr/bin/python3
# pngcheck.py: checks that an `annealc plot` SVG, rendered to PNG by rsvg-convert, puts colours where the values say.
#   pngcheck.py FIG.svg FIG.png CHECK...
#   CHECK = at:CHANNEL:STEP:VALUE[:COLOUR]   a COLOUR pixel within 3 px of VALUE's height at STEP's column
#         | not:CHANNEL:STEP:VALUE[:COLOUR]  no COLOUR pixel within 3 px of it
# COLOUR: curve (default), compare, restart, phase. Panel geometry comes from the SVG's data-* attributes.
# Standard library only: the PNG is decoded here with zlib.
import math
import re
import struct
import sys
import zlib

COLOURS = {
    "curve": (0x1F, 0x77, 0xB4),
    "compare": (0xD6, 0x27, 0x28),
    "restart": (0xFF, 0x7F, 0x0E),
    "phase": (0x66, 0x66, 0x66),
}


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("%s: not a PNG file" % path)
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                sys.exit("%s: only 8-bit RGB/RGBA non-interlaced PNGs are read" % path)
            channels = 4 if ctype == 6 else 3
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    return width, height, channels, rows


def panels(svg_path):
    text = open(svg_path).read()
    out = {}
    for m in re.finditer(r'<g class="panel" ([^>]*)>', text):
        attrs = dict(re.findall(r'data-([a-z]+)="([^"]*)"', m.group(1)))
        out[attrs["channel"]] = {k: (v if k == "channel" else float(v)) for k, v in attrs.items()}
    return out


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: pngcheck.py FIG.svg FIG.png CHECK...")
    svg, png = sys.argv[1], sys.argv[2]
    width, height, channels, rows = read_png(png)
    geo = panels(svg)
    failed = 0
    for check in sys.argv[3:]:
        parts = check.split(":")
        mode, channel, step, value = parts[0], parts[1], float(parts[2]), float(parts[3])
        colour = parts[4] if len(parts) > 4 else "curve"
        g = geo.get(channel)
        if g is None:
            print("FAIL %s: no panel for channel %s in %s" % (check, channel, svg))
            failed += 1
            continue
        span = max(g["last"] - g["first"], 1)
        x = g["left"] + (step - g["first"]) / span * g["width"]
        if g["log"]:
            q = (math.log10(value) - math.log10(g["ymin"])) / (math.log10(g["ymax"]) - math.log10(g["ymin"]))
        else:
            q = (value - g["ymin"]) / (g["ymax"] - g["ymin"])
        y = g["top"] + g["height"] - q * g["height"]
        want = COLOURS[colour]
        # A dashed overlay may have a gap at x: look a dash's length either side.
        reach = 4 if colour == "compare" else 1
        cols = [int(round(x)) + d for d in range(-reach, reach + 1)] if mode == "at" else [int(round(x))]
        hits = []
        for cx in cols:
            for cy in range(int(g["top"]) - 3, int(g["top"] + g["height"]) + 4):
                px = rows[cy][cx * channels : cx * channels + 3]
                if sum(abs(px[i] - want[i]) for i in range(3)) < 80:
                    hits.append(cy)
        near = [h for h in hits if abs(h - y) <= 3]
        ok = bool(near) if mode == "at" else not near
        if not ok:
            failed += 1
            print("FAIL %s: expected %s%s pixel at x=%.1f near y=%.1f; %s pixels in that column at y=%s"
                  % (check, "a " if mode == "at" else "no ", colour, x, y, colour, sorted(set(hits))[:40]))
    sys.exit(1 if failed else 0)


main()

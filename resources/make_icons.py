"""Draw Confab's app icon and write it in every size and format the platforms need.

A rounded speech bubble (blue gradient, tail at the lower left) with two white dots: a
conversation in progress. Each size is drawn on a canvas 8x larger and scaled down, so
edges stay smooth from 16 px up. Run from anywhere with Pillow installed (it is a build
dependency, see requirements-build.txt, not a runtime one):

    python resources/make_icons.py

Writes ``resources/icons/confab-<size>.png``, ``resources/confab.ico`` (Windows) and
``resources/confab.icns`` (macOS). The output is committed, so builds do not need Pillow.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

RESOURCES = Path(__file__).resolve().parent
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)
SUPERSAMPLE = 8

TOP_COLOUR = (92, 141, 255)
BOTTOM_COLOUR = (52, 84, 214)
DOT_COLOUR = (255, 255, 255, 255)


def bubble_mask(side: int) -> Image.Image:
    """The bubble's shape as an 8-bit mask on a ``side`` x ``side`` canvas."""
    mask = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(mask)

    def at(fraction: float) -> int:
        return round(fraction * side)

    body = (at(0.06), at(0.12), at(0.94), at(0.76))
    draw.rounded_rectangle(body, radius=at(0.2), fill=255)
    tail = [(at(0.22), at(0.70)), (at(0.44), at(0.70)), (at(0.16), at(0.92))]
    draw.polygon(tail, fill=255)
    return mask


def vertical_gradient(side: int) -> Image.Image:
    """An RGBA image fading from the top colour to the bottom colour."""
    column = Image.new("RGBA", (1, side))
    for y in range(side):
        t = y / max(side - 1, 1)
        rgb = tuple(round(a + (b - a) * t) for a, b in zip(TOP_COLOUR, BOTTOM_COLOUR, strict=True))
        column.putpixel((0, y), (*rgb, 255))
    return column.resize((side, side))


def draw_icon(size: int) -> Image.Image:
    """The icon at ``size`` x ``size`` pixels, transparent around the bubble."""
    side = size * SUPERSAMPLE
    icon = vertical_gradient(side)
    icon.putalpha(ImageChops.multiply(bubble_mask(side), icon.getchannel("A")))
    draw = ImageDraw.Draw(icon)
    radius = 0.085 * side
    centre_y = 0.44 * side
    for centre_x in (0.36 * side, 0.64 * side):
        box = (centre_x - radius, centre_y - radius, centre_x + radius, centre_y + radius)
        draw.ellipse(box, fill=DOT_COLOUR)
    return icon.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    icons_dir = RESOURCES / "icons"
    icons_dir.mkdir(exist_ok=True)
    for size in PNG_SIZES:
        draw_icon(size).save(icons_dir / f"confab-{size}.png", optimize=True)
    ico_images = [draw_icon(size) for size in ICO_SIZES]
    ico_images[-1].save(
        RESOURCES / "confab.ico",
        sizes=[(size, size) for size in ICO_SIZES],
        append_images=ico_images[:-1],
    )
    icns_images = [draw_icon(size) for size in ICNS_SIZES]
    icns_images[-1].save(RESOURCES / "confab.icns", append_images=icns_images[:-1])
    print(f"Wrote {len(PNG_SIZES)} PNGs, confab.ico and confab.icns under {RESOURCES}")


if __name__ == "__main__":
    main()

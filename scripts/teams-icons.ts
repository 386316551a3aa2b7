/**
 * The Workroom mark for the Teams app package, drawn from primitives with pngjs so the icons live
 * in code, not in a design tool: a thick round-jointed "W" on the accent colour.
 *
 *   color.png    192×192, fully opaque: the accent colour edge to edge (Teams rounds the corners
 *                itself) with the white W, anti-aliased, inside the central 96×96 that Teams asks the symbol to keep to.
 *   outline.png  32×32, white W on a fully transparent background, no anti-aliasing: Teams
 *                requires outline icons to be white and transparent only.
 *
 * Deterministic: only arithmetic and Math.sqrt, and fixed PNG options, so the same Node writes the
 * same bytes every run. `npm run teams:icons` rewrites manifest/teams/{color,outline}.png;
 * `npm run teams:package` draws them afresh rather than trusting the files.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PNG } from 'pngjs'

/** The manifest's accentColor and the colour icon's background. */
export const ACCENT = '#3F0E40'

export const COLOR_SIZE = 192
export const OUTLINE_SIZE = 32

/** The W as a polyline in a unit box: down, up to the middle peak, down, up. */
const W: ReadonlyArray<readonly [number, number]> = [[0, 0], [0.25, 1], [0.5, 0.38], [0.75, 1], [1, 0]]

interface Glyph {
  /** Where the unit box lands, in pixels. */
  left: number
  top: number
  width: number
  height: number
  /** Half the stroke width, in pixels. */
  radius: number
}

/** Distance from (px, py) to the W's centre line. */
function distanceToW(px: number, py: number, g: Glyph): number {
  let best = Infinity
  for (let i = 0; i + 1 < W.length; i++) {
    const ax = g.left + W[i]![0] * g.width
    const ay = g.top + W[i]![1] * g.height
    const bx = g.left + W[i + 1]![0] * g.width
    const by = g.top + W[i + 1]![1] * g.height
    const dx = bx - ax
    const dy = by - ay
    const t = Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    const ex = px - (ax + t * dx)
    const ey = py - (ay + t * dy)
    best = Math.min(best, Math.sqrt(ex * ex + ey * ey))
  }
  return best
}

function hex(color: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color)
  if (!m) throw new Error(`not a #RRGGBB colour: ${color}`)
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)]
}

/** 192×192 RGB (no alpha channel at all, so it can only be opaque). */
export function colorIcon(): Buffer {
  const size = COLOR_SIZE
  const png = new PNG({ width: size, height: size, colorType: 2, inputColorType: 6, inputHasAlpha: true })
  const bg = hex(ACCENT)
  const glyph: Glyph = { left: 56, top: 68, width: 80, height: 56, radius: 8 }
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Coverage from the distance at the pixel's centre: a one-pixel ramp across the edge.
      const d = distanceToW(x + 0.5, y + 0.5, glyph)
      const cover = Math.min(1, Math.max(0, glyph.radius + 0.5 - d))
      const i = (y * size + x) * 4
      for (let c = 0; c < 3; c++) png.data[i + c] = Math.round(bg[c]! + (255 - bg[c]!) * cover)
      png.data[i + 3] = 255
    }
  }
  return PNG.sync.write(png, { colorType: 2, inputColorType: 6, inputHasAlpha: true, deflateLevel: 9, deflateStrategy: 3 })
}

/** 32×32 RGBA: white where the W is, transparent (white with alpha 0) everywhere else. */
export function outlineIcon(): Buffer {
  const size = OUTLINE_SIZE
  const png = new PNG({ width: size, height: size })
  const glyph: Glyph = { left: 4.5, top: 8.5, width: 23, height: 15, radius: 1.9 }
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = distanceToW(x + 0.5, y + 0.5, glyph) <= glyph.radius
      const i = (y * size + x) * 4
      png.data[i] = png.data[i + 1] = png.data[i + 2] = 255
      png.data[i + 3] = inside ? 255 : 0
    }
  }
  return PNG.sync.write(png, { colorType: 6, deflateLevel: 9, deflateStrategy: 3 })
}

/** Both icons, as they go into the Teams app package. */
export function teamsIcons(): { color: Buffer; outline: Buffer } {
  return { color: colorIcon(), outline: outlineIcon() }
}

export const ICON_DIR = fileURLToPath(new URL('../manifest/teams/', import.meta.url))

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { color, outline } = teamsIcons()
  writeFileSync(path.join(ICON_DIR, 'color.png'), color)
  writeFileSync(path.join(ICON_DIR, 'outline.png'), outline)
  console.log(`Wrote ${path.relative(process.cwd(), path.join(ICON_DIR, 'color.png'))} (${COLOR_SIZE}×${COLOR_SIZE}, ${color.length} bytes) and ${path.relative(process.cwd(), path.join(ICON_DIR, 'outline.png'))} (${OUTLINE_SIZE}×${OUTLINE_SIZE}, ${outline.length} bytes).`)
}

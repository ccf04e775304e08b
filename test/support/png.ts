import { createCanvas, loadImage } from 'canvas';

export interface PngFacts {
  width: number;
  height: number;
  /** Pixels with clear colour (max - min channel > 80): curves, bars, not the grey axes, grid or bands. */
  colouredPixels: number;
}

/** Decodes a PNG and counts its coloured pixels, optionally within a region. */
export async function pngFacts(
  png: Buffer,
  region?: { x: number; y: number; width: number; height: number },
): Promise<PngFacts> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const r = region ?? { x: 0, y: 0, width: image.width, height: image.height };
  const data = ctx.getImageData(r.x, r.y, r.width, r.height).data;
  let coloured = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [red = 0, green = 0, blue = 0] = [data[i], data[i + 1], data[i + 2]];
    if (Math.max(red, green, blue) - Math.min(red, green, blue) > 80) coloured++;
  }
  return { width: image.width, height: image.height, colouredPixels: coloured };
}

// A small SVG line chart, written by the benchmark itself: x is logarithmic (ledger entries), y linear from zero.

export interface Series {
  name: string;
  points: Array<[x: number, y: number]>;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : `${n}`);

/** Nice round upper bound and step for a y axis. */
function axis(max: number): { top: number; step: number } {
  const raw = (max || 1) / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  return { top: Math.ceil((max || 1) / step) * step, step };
}

/** The chart as an SVG document. */
export function lineChart(title: string, yLabel: string, series: Series[]): string {
  const [w, h, left, right, top, bottom] = [700, 360, 70, 200, 40, 50];
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const { top: yTop, step } = axis(Math.max(...series.flatMap((s) => s.points.map((p) => p[1]))));
  const span = Math.log10(xMax) - Math.log10(xMin) || 1;
  const px = (x: number) => left + ((Math.log10(x) - Math.log10(xMin)) / span) * (w - left - right);
  const py = (y: number) => h - bottom - (y / yTop) * (h - top - bottom);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`, `<rect width="${w}" height="${h}" fill="white"/>`];
  parts.push(`<text x="${w / 2 - right / 2}" y="22" text-anchor="middle" font-size="15">${escape(title)}</text>`);
  for (let y = 0; y <= yTop + step / 2; y += step) {
    parts.push(`<line x1="${left}" x2="${w - right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`, `<text x="${left - 6}" y="${py(y) + 4}" text-anchor="end">${+y.toPrecision(6)}</text>`);
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    parts.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${top}" y2="${h - bottom}" stroke="#eee"/>`, `<text x="${px(x)}" y="${h - bottom + 16}" text-anchor="middle">${label(x)}</text>`);
  }
  parts.push(`<text x="${(left + w - right) / 2}" y="${h - 10}" text-anchor="middle">ledger entries (log scale)</text>`);
  parts.push(`<text transform="translate(16 ${(top + h - bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`);
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of s.points) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${colour}"/>`);
    parts.push(`<rect x="${w - right + 12}" y="${top + i * 20}" width="12" height="3" fill="${colour}"/>`, `<text x="${w - right + 30}" y="${top + i * 20 + 5}">${escape(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

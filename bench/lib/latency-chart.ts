// An SVG chart of latency percentiles (grouped bars on a log scale, a dashed target line), from
// the ws-latency-* results: each one's figure (many clients) beside its baseline (one client).
export interface LatencySeries {
  label: string;
  /** Milliseconds per percentile name, in display order. */
  values: Record<string, number>;
  color: string;
}

export function latencyChartSvg(title: string, series: LatencySeries[], targetMs: number | undefined): string {
  const percentiles = Object.keys(series[0]?.values ?? {});
  const all = series.flatMap((s) => Object.values(s.values)).concat(targetMs ?? []);
  const lo = 10 ** Math.floor(Math.log10(Math.max(0.01, Math.min(...all))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const W = 640, H = 360, left = 70, right = 20, top = 40, bottom = 70;
  const plotH = H - top - bottom;
  const y = (v: number) => top + plotH - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  const groupW = (W - left - right) / percentiles.length;
  const barW = Math.min(60, (groupW * 0.7) / series.length);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    out.push(`<line x1="${left}" x2="${W - right}" y1="${y(d)}" y2="${y(d)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${y(d) + 4}" text-anchor="end">${d >= 1 ? d.toLocaleString('en-US') : d} ms</text>`);
  }
  percentiles.forEach((p, gi) => {
    const x0 = left + gi * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, si) => {
      const v = s.values[p]!;
      const x = x0 + si * barW;
      out.push(`<rect x="${x}" y="${y(v)}" width="${barW - 4}" height="${top + plotH - y(v)}" fill="${s.color}"/>`);
      out.push(`<text x="${x + (barW - 4) / 2}" y="${y(v) - 4}" text-anchor="middle" font-size="10">${fmt(v)}</text>`);
    });
    out.push(`<text x="${left + gi * groupW + groupW / 2}" y="${top + plotH + 18}" text-anchor="middle" font-weight="bold">${esc(p)}</text>`);
  });
  if (targetMs !== undefined) {
    out.push(`<line x1="${left}" x2="${W - right}" y1="${y(targetMs)}" y2="${y(targetMs)}" stroke="#c00" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${W - right}" y="${y(targetMs) - 4}" text-anchor="end" fill="#c00">target ${targetMs} ms</text>`);
  }
  series.forEach((s, si) => {
    const x = left + si * 200;
    out.push(`<rect x="${x}" y="${H - 28}" width="12" height="12" fill="${s.color}"/>`);
    out.push(`<text x="${x + 18}" y="${H - 18}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

const fmt = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(3)).toString());
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

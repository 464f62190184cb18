// A horizontal bar chart (SVG, no dependencies) of medians measured side by side, log scale.

function escapeXml(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** `bars`: `[{ label, valueMs, group }]`; returns the SVG text. */
export function barChartSvg({ title, subtitle, bars }) {
  const width = 860;
  const left = 250;
  const right = 90;
  const top = 64;
  const rowHeight = 26;
  const height = top + bars.length * rowHeight + 40;
  const values = bars.map((bar) => bar.valueMs).filter((value) => value > 0);
  const min = Math.min(...values, 0.05);
  const max = Math.max(...values, 1);
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const x = (value) => left + ((Math.log10(Math.max(value, 10 ** lo)) - lo) / (hi - lo)) * (width - left - right);
  const colors = { floor: "#6b7280", cloudcached: "#f38020", s3: "#2563eb", memcached: "#16a34a", wan: "#9333ea" };
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="12" y="42" fill="#444">${escapeXml(subtitle)}</text>`,
  ];
  for (let power = lo; power <= hi; power++) {
    const gx = x(10 ** power);
    parts.push(`<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${height - 30}" stroke="#ddd"/>`);
    parts.push(`<text x="${gx}" y="${height - 14}" text-anchor="middle" fill="#666">${10 ** power >= 1 ? 10 ** power : (10 ** power).toFixed(-power)} ms</text>`);
  }
  bars.forEach((bar, index) => {
    const y = top + index * rowHeight;
    const barWidth = Math.max(1, x(bar.valueMs) - left);
    parts.push(`<text x="${left - 8}" y="${y + 15}" text-anchor="end">${escapeXml(bar.label)}</text>`);
    parts.push(`<rect x="${left}" y="${y + 3}" width="${barWidth.toFixed(1)}" height="${rowHeight - 8}" fill="${colors[bar.group] ?? "#999"}"/>`);
    parts.push(`<text x="${(left + barWidth + 6).toFixed(1)}" y="${y + 15}">${bar.valueMs.toFixed(bar.valueMs < 1 ? 3 : 2)} ms</text>`);
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

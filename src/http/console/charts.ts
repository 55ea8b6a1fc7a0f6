import { html } from './html.js';
import type { Html } from './html.js';

export interface Series {
  name: string;
  /** CSS class of its bars (colours live in console.css: no inline style under the CSP). */
  className: string;
  values: number[];
}

/**
 * Grouped bars for a few series over labelled points (days), as inline SVG drawn on the server:
 * no chart library, no script, nothing the Content-Security-Policy has to allow. The numbers
 * are also in the table beside it (and in the SVG's title), for screen readers.
 */
export function barChart(title: string, labels: string[], series: Series[]): Html {
  const width = 720;
  const height = 220;
  const pad = { left: 40, right: 10, top: 10, bottom: 30 };
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const slot = plotW / Math.max(1, labels.length);
  const barW = Math.max(1, (slot * 0.8) / series.length);
  const y = (v: number) => pad.top + plotH - (v / max) * plotH;
  const every = Math.ceil(labels.length / 10);
  const ticks = [0, max / 2, max].map((v) => Math.round(v));
  return html`<figure class="chart">
  <svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-title-${title.replace(/\W/g, '')}" preserveAspectRatio="none">
    <title id="chart-title-${title.replace(/\W/g, '')}">${title}: ${series.map((s) => `${s.name} ${s.values.reduce((a, b) => a + b, 0)}`).join(', ')}</title>
    ${ticks.map((t) => html`<line class="grid" x1="${pad.left}" x2="${width - pad.right}" y1="${y(t)}" y2="${y(t)}"></line><text class="axis" x="${pad.left - 4}" y="${y(t) + 4}" text-anchor="end">${t}</text>`)}
    ${labels.map((label, i) => html`${series.map((s, j) => {
      const v = s.values[i] ?? 0;
      return html`<rect class="${s.className}" x="${(pad.left + i * slot + slot * 0.1 + j * barW).toFixed(1)}" y="${y(v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(pad.top + plotH - y(v)).toFixed(1)}"><title>${label} ${s.name}: ${v}</title></rect>`;
    })}${i % every === 0 ? html`<text class="axis" x="${(pad.left + i * slot + slot / 2).toFixed(1)}" y="${height - 10}" text-anchor="middle">${label.slice(5)}</text>` : ''}`)}
  </svg>
  <figcaption>${title} — ${series.map((s) => html`<span class="key ${s.className}">${s.name}</span> `)}</figcaption>
</figure>`;
}

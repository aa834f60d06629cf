// Time-series charts on uPlot (bundled at build time from its WebJar into vendor/; never loaded from a CDN).
import uPlot from '../vendor/uPlot.esm.js';

const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

/** The colour of the i-th series, the same in every chart. */
export const colour = (i) => PALETTE[i % PALETTE.length];

/**
 * A line chart over time that keeps its uPlot instance between updates. options: {format: value -> text, yMin, yMax}.
 */
export class TimeChart {
  constructor(container, options) {
    this.container = container;
    this.options = options || {};
    this.plot = null;
    this.labels = null;
    this.resize = new ResizeObserver(() => {
      if (this.plot) this.plot.setSize(this.size());
    });
    this.resize.observe(container);
  }

  size() {
    return {width: Math.max(240, this.container.clientWidth - 4), height: 190};
  }

  /** Shows x (epoch seconds) against each series {label, values} (null values are gaps). */
  update(xs, series) {
    const labels = series.map((s) => s.label).join('\u0000');
    const data = [xs, ...series.map((s) => s.values)];
    if (this.plot && labels === this.labels) {
      this.plot.setData(data);
      return;
    }
    this.destroyPlot();
    this.labels = labels;
    const format = this.options.format || ((v) => String(v));
    const o = this.options;
    this.plot = new uPlot({
      ...this.size(),
      scales: {
        x: {time: true},
        y: {
          range: (u, min, max) => {
            const lo = o.yMin !== undefined ? Math.min(o.yMin, min === null ? o.yMin : min) : 0;
            const hi = o.yMax !== undefined ? o.yMax : (max === null || max <= lo ? lo + 1 : max * 1.1);
            return [lo, hi];
          },
        },
      },
      series: [{}, ...series.map((s, i) => ({
        label: s.label,
        stroke: colour(i),
        width: 2,
        spanGaps: true,
        points: {show: true, size: 6},
        value: (u, v) => (v === null || v === undefined ? '—' : format(v)),
      }))],
      axes: [{}, {size: 70, values: (u, values) => values.map((v) => (o.axisFormat || format)(v))}],
      legend: {show: true},
    }, data, this.container);
  }

  destroyPlot() {
    if (this.plot) {
      this.plot.destroy();
      this.plot = null;
    }
  }

  /** Removes the chart. */
  destroy() {
    this.resize.disconnect();
    this.destroyPlot();
  }
}

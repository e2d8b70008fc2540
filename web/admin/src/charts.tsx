// The report's charts, loaded only when the report page opens: stacked bars per day (on time,
// outside the window, missed, not yet due) and the share of alarms acknowledged within 7 days.
// The table on the page is their text alternative, so the canvases are hidden from screen readers.
import { useEffect, useRef } from 'react';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { adminTexts } from './texts';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const t = adminTexts.report;

export type DayFigures = {
  date: string;
  onTime: number;
  outsideWindow: number;
  missed: number;
  pending: number;
  alarmsRaised: number;
  acknowledgedInTime: number;
};

// The apps' own colours (base.css), readable against white.
const COLOURS = { onTime: '#146c2e', outsideWindow: '#8a4b00', missed: '#a4161a', pending: '#4b3a99', share: '#0b5cad' };

function useChart(make: (canvas: HTMLCanvasElement) => Chart, deps: unknown[]) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = make(canvas.current);
    return () => chart.destroy();
  }, deps);
  return canvas;
}

export default function Charts({ days }: { days: DayFigures[] }) {
  const labels = days.map((d) => d.date.slice(5));
  const key = JSON.stringify(days);
  const stacked = useChart(
    (canvas) =>
      new Chart(canvas, {
        type: 'bar',
        data: {
          labels,
          datasets: (['onTime', 'outsideWindow', 'missed', 'pending'] as const).map((field) => ({
            label: t.columns[field],
            data: days.map((d) => d[field]),
            backgroundColor: COLOURS[field],
          })),
        },
        options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
      }),
    [key],
  );
  const share = useChart(
    (canvas) =>
      new Chart(canvas, {
        type: 'bar',
        data: {
          labels,
          datasets: [
            {
              label: t.shareAcknowledged,
              data: days.map((d) => (d.alarmsRaised ? Math.round((100 * d.acknowledgedInTime) / d.alarmsRaised) : 0)),
              backgroundColor: COLOURS.share,
            },
          ],
        },
        options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, max: 100, ticks: { callback: (v) => `${v} %` } } } },
      }),
    [key],
  );
  return (
    <div className="charts" aria-hidden="true">
      <figure>
        <figcaption>{t.perDayChart}</figcaption>
        <div className="chart-box">
          <canvas ref={stacked} />
        </div>
      </figure>
      <figure>
        <figcaption>{t.shareChart}</figcaption>
        <div className="chart-box">
          <canvas ref={share} />
        </div>
      </figure>
    </div>
  );
}

// Small inline-SVG bar charts. Each chart is an image with a text alternative that lists its
// values, so a screen reader gets the same numbers the picture shows.

const SVG = "http://www.w3.org/2000/svg";

function node(name, attributes = {}, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

function frame(width, height, title, items) {
  const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", preserveAspectRatio: "xMidYMid meet" });
  const summary = items.length
    ? `${title}: ${items.map((item) => `${item.label} ${item.value}`).join(", ")}`
    : `${title}: no data yet`;
  svg.setAttribute("aria-label", summary);
  svg.append(node("title", {}, summary));
  return svg;
}

function empty(svg, width, height) {
  svg.append(node("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "chart-empty" }, "No data yet"));
}

// Vertical bars in a fixed order (a histogram of score bands).
export function columnChart(container, title, items) {
  const width = 360;
  const height = 220;
  const pad = { top: 20, right: 10, bottom: 40, left: 10 };
  const svg = frame(width, height, title, items);
  const max = Math.max(0, ...items.map((item) => item.value));
  if (!items.length || max === 0) {
    empty(svg, width, height);
  } else {
    const slot = (width - pad.left - pad.right) / items.length;
    const plot = height - pad.top - pad.bottom;
    svg.append(node("line", { x1: pad.left, x2: width - pad.right, y1: pad.top + plot, y2: pad.top + plot, class: "chart-axis" }));
    items.forEach((item, i) => {
      const h = (item.value / max) * plot;
      const x = pad.left + i * slot + slot * 0.15;
      const y = pad.top + plot - h;
      svg.append(node("rect", { x, y, width: slot * 0.7, height: Math.max(h, item.value ? 1 : 0), fill: item.color, rx: 3 }));
      svg.append(node("text", { x: x + slot * 0.35, y: y - 5, "text-anchor": "middle", class: "chart-value" }, item.value.toLocaleString()));
      svg.append(node("text", { x: x + slot * 0.35, y: height - pad.bottom + 16, "text-anchor": "middle", class: "chart-label" }, item.label));
      if (item.note) {
        svg.append(node("text", { x: x + slot * 0.35, y: height - pad.bottom + 31, "text-anchor": "middle", class: "chart-label" }, item.note));
      }
    });
  }
  container.replaceChildren(svg);
}

// Horizontal bars, largest first, at most `limit` of them (alert catalogs, failed checks).
export function barChart(container, title, counts, { color = "#2f7ed8", limit = 12 } = {}) {
  const items = Object.entries(counts || {})
    .map(([label, value]) => ({ label, value }))
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label))
    .slice(0, limit);
  const row = 22;
  const labelWidth = 180;
  const width = 360;
  const height = Math.max(80, items.length * row + 16);
  const svg = frame(width, height, title, items);
  if (!items.length) {
    empty(svg, width, height);
  } else {
    const max = Math.max(...items.map((item) => item.value));
    const plot = width - labelWidth - 50;
    items.forEach((item, i) => {
      const y = 8 + i * row;
      const w = (item.value / max) * plot;
      const label = item.label.length > 25 ? `${item.label.slice(0, 24)}…` : item.label;
      svg.append(node("text", { x: labelWidth - 6, y: y + 13, "text-anchor": "end", class: "chart-label" }, label));
      svg.append(node("rect", { x: labelWidth, y: y + 2, width: Math.max(w, 1), height: row - 8, fill: color, rx: 2 }));
      svg.append(node("text", { x: labelWidth + w + 5, y: y + 13, class: "chart-value" }, item.value.toLocaleString()));
    });
  }
  container.replaceChildren(svg);
}

// The job view's analytics panel: scaffolds with counts, clusters with their representatives,
// the chemical-space scatter plot coloured by score, and a similarity search box. Each analysis
// is a run on the server (POST /api/v1/batch/{id}/analytics/{type}), followed live on
// /ws/analytics/{run_id}; the panel shows the newest finished result of each type.

import { LiveSocket, api, apiKey, formatNumber } from "./api.js";

const ENDED = new Set(["complete", "failed"]);
const SHOWN_SCAFFOLDS = 25;
const SHOWN_CLUSTERS = 25;

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value; else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function table(id, caption, headers) {
  const body = el("tbody");
  const head = el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col", text: h }))));
  return { table: el("table", { id, class: "results" }, el("caption", { text: caption }), head, body), body };
}

async function post(path, body) {
  // api() sends no body; a POST with a JSON body is this panel's alone.
  const headers = { Accept: "application/json", "Content-Type": "application/json" };
  if (apiKey()) headers["X-API-Key"] = apiKey();
  const response = await fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
  const answer = await response.json().catch(() => null);
  if (!response.ok) throw new Error((answer && answer.detail) || `The server answered ${response.status}.`);
  return answer;
}

export function scoreColour(score) {
  if (score === null || score === undefined) return "hsl(0, 0%, 60%)";
  return `hsl(${Math.round(Math.max(0, Math.min(100, score)) * 1.2)}, 70%, 42%)`;
}

export class AnalyticsPanel {
  constructor({ notify }) {
    this.notify = notify;
    this.root = document.getElementById("analytics-panel");
    this.build();
  }

  build() {
    const threshold = el("input", { id: "cluster-threshold", type: "number", min: "0.05", max: "0.95", step: "0.05", value: "0.35" });
    const method = el("select", { id: "space-method", "aria-label": "Chemical space method" },
      el("option", { value: "pca", text: "PCA" }), el("option", { value: "tsne", text: "t-SNE (5,000 molecules at most)" }));
    this.status = el("p", { id: "analytics-status", class: "muted", role: "status", "aria-live": "polite" });
    const button = (id, label, handler) => {
      const b = el("button", { id, type: "button", text: label });
      b.addEventListener("click", handler);
      return b;
    };
    const controls = el("div", { class: "analytics-controls" },
      button("run-scaffold", "Find scaffolds", () => this.start("scaffold", {})),
      el("label", { for: "cluster-threshold", text: "Distance cutoff" }), threshold,
      button("run-clustering", "Cluster", () => this.start("clustering", { cutoff: Number(threshold.value) })),
      method,
      button("run-space", "Map chemical space", () => this.start("chemical_space", { method: method.value })));
    const query = el("input", { id: "similarity-smiles", placeholder: "query SMILES, e.g. c1ccccc1O", required: "" });
    const topK = el("input", { id: "similarity-topk", type: "number", min: "1", max: "100", value: "10" });
    const search = el("form", { id: "similarity-form", class: "analytics-controls" },
      el("label", { for: "similarity-smiles", text: "Similar to" }), query,
      el("label", { for: "similarity-topk", text: "Top" }), topK,
      el("button", { type: "submit", class: "primary", text: "Search" }));
    search.addEventListener("submit", (event) => {
      event.preventDefault();
      this.start("similarity_search", { query_smiles: query.value.trim(), top_k: Number(topK.value) });
    });
    this.scaffolds = table("scaffold-table", "Scaffolds, most frequent first", ["Scaffold", "Generic framework", "Molecules"]);
    this.clusters = el("ol", { id: "cluster-list", class: "cluster-list" });
    this.space = el("canvas", { id: "space-plot", width: "560", height: "360", role: "img", "aria-label": "Chemical space: no data yet" });
    this.similar = table("similarity-results", "Nearest neighbours", ["#", "Tanimoto", "SMILES"]);
    this.summary = { scaffold: el("p", { class: "muted" }), clustering: el("p", { class: "muted" }),
      chemical_space: el("p", { class: "muted" }), similarity_search: el("p", { class: "muted" }) };
    this.root.replaceChildren(
      el("h2", { text: "Analytics" }), controls, search, this.status,
      el("div", { class: "analytics-grid" },
        el("section", {}, el("h3", { text: "Scaffolds" }), this.summary.scaffold, el("div", { class: "scroll" }, this.scaffolds.table)),
        el("section", {}, el("h3", { text: "Clusters" }), this.summary.clustering, this.clusters),
        el("section", {}, el("h3", { text: "Chemical space" }), this.summary.chemical_space, this.space,
          el("p", { class: "muted", text: "Each point a molecule (PCA or t-SNE of Morgan fingerprints), coloured by validation score: red 0, green 100, grey none." })),
        el("section", {}, el("h3", { text: "Similarity search" }), this.summary.similarity_search, this.similar.table)));
  }

  async open(jobId) {
    this.close();
    this.jobId = jobId;
    this.build();
    try {
      const overview = await api(`/api/v1/batch/${jobId}/analytics`);
      if (jobId !== this.jobId) return;
      for (const [type, status] of Object.entries(overview.status)) {
        if (status.status === "complete" && overview[type]) this.render(type, overview[type]);
      }
    } catch (error) { /* a job still being audited has no analytics yet */ }
  }

  close() {
    if (this.socket) this.socket.close();
    this.socket = null;
    this.jobId = null;
  }

  async start(type, params) {
    const jobId = this.jobId;
    try {
      const answer = await post(`/api/v1/batch/${jobId}/analytics/${type}`, params);
      this.status.textContent = `${type.replace("_", " ")}: ${answer.status.replace("_", " ")}`;
      if (answer.status === "already_complete") { this.finish(answer.run_id); return; }
      if (this.socket) this.socket.close();
      this.socket = new LiveSocket(`/ws/analytics/${answer.run_id}`, {
        onMessage: (message) => this.onMessage(message),
        maxFailures: 3,
        onState: (state) => { if (state === "gave-up") this.finish(answer.run_id); },
      });
    } catch (error) {
      this.status.textContent = `${type.replace("_", " ")}: ${error.message}`;
    }
  }

  onMessage(message) {
    this.status.textContent = `${message.analysis_type.replace("_", " ")}: ${message.status} ${formatNumber(message.progress)}%`;
    this.status.dataset.state = message.status;
    if (ENDED.has(message.status)) this.finish(message.run_id);
  }

  async finish(runId) {
    const jobId = this.jobId;
    const run = await api(`/api/v1/analytics/${runId}`);
    if (jobId !== this.jobId) return;
    if (run.status === "failed") {
      this.status.textContent = `${run.analysis_type.replace("_", " ")} failed: ${run.error}`;
    } else if (run.status === "complete") {
      this.status.textContent = `${run.analysis_type.replace("_", " ")}: complete`;
      this.render(run.analysis_type, run.result);
    }
    this.status.dataset.state = run.status;
  }

  render(type, result) {
    if (type === "scaffold") this.renderScaffolds(result);
    if (type === "clustering") this.renderClusters(result);
    if (type === "chemical_space") this.renderSpace(result);
    if (type === "similarity_search") this.renderSimilar(result);
  }

  renderScaffolds(result) {
    this.summary.scaffold.textContent = `${formatNumber(result.unique_scaffold_count)} scaffolds in ${formatNumber(result.molecule_count)} molecules; Shannon entropy ${formatNumber(result.shannon_entropy, 2)} bits`;
    this.scaffolds.body.replaceChildren(...result.scaffolds.slice(0, SHOWN_SCAFFOLDS).map((group) => el("tr", {},
      el("td", { class: "smiles", text: group.scaffold_smiles || "(no rings)" }),
      el("td", { class: "smiles", text: group.generic_scaffold_smiles || "–" }),
      el("td", { class: "count", text: formatNumber(group.count) }))));
  }

  renderClusters(result) {
    this.summary.clustering.textContent = `${formatNumber(result.cluster_count)} clusters at distance ${result.distance_cutoff}; largest ${formatNumber(result.largest_cluster_size)}, ${formatNumber(result.singleton_count)} singletons`;
    this.clusters.replaceChildren(...result.clusters.slice(0, SHOWN_CLUSTERS).map((cluster) => el("li", { "data-cluster": String(cluster.cluster_id) },
      el("strong", { text: `${formatNumber(cluster.size)} molecules` }), " · representative #",
      el("span", { class: "rep", text: String(cluster.representative_index) }), " ",
      el("code", { text: result.smiles_map[String(cluster.representative_index)] || "" }))));
  }

  renderSpace(result) {
    const canvas = this.space;
    const context = canvas.getContext("2d");
    const { width, height } = canvas;
    context.clearRect(0, 0, width, height);
    const points = result.coordinates;
    canvas.dataset.points = String(points.length);
    const explained = result.variance_explained
      ? `; PC1 ${formatNumber(100 * result.variance_explained[0], 1)}%, PC2 ${formatNumber(100 * result.variance_explained[1], 1)}% of the variance`
      : "; t-SNE";
    this.summary.chemical_space.textContent = `${formatNumber(result.total_points)} molecules${result.sampled ? `, ${formatNumber(points.length)} shown (a sample)` : ""}${explained}`;
    canvas.setAttribute("aria-label", `Chemical space scatter plot of ${points.length} molecules coloured by score`);
    if (!points.length) return;
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const pad = 12;
    const sx = (x) => pad + ((x - x0) / (x1 - x0 || 1)) * (width - 2 * pad);
    const sy = (y) => height - pad - ((y - y0) / (y1 - y0 || 1)) * (height - 2 * pad);
    context.strokeStyle = "#bbb";
    context.strokeRect(0.5, 0.5, width - 1, height - 1);
    points.forEach((point, i) => {
      context.fillStyle = scoreColour(result.scores ? result.scores[i] : null);
      context.beginPath();
      context.arc(sx(point[0]), sy(point[1]), points.length > 5000 ? 1.5 : 2.5, 0, 2 * Math.PI);
      context.fill();
    });
  }

  renderSimilar(result) {
    this.summary.similarity_search.textContent = `Nearest to ${result.query_smiles}`;
    this.similar.body.replaceChildren(...result.neighbors.map((hit) => el("tr", {},
      el("td", { text: String(hit.index) }), el("td", { class: "count", text: formatNumber(hit.similarity, 3) }),
      el("td", { class: "smiles", text: hit.smiles }))));
  }
}

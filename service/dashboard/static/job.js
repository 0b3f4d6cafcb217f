// The job view: live progress (WS /ws/batch/{id}, polling /status as a fallback), statistics
// with charts, the filtered and sorted results table, the export menu and the cancel button.
// The export menu is built from GET /api/v1/export-formats (the server's formats table).

import {
  LiveSocket, RateMeter, TERMINAL, api, downloadUrl, formatDuration, formatNumber, formatRate, formatTime,
} from "./api.js";
import { barChart, columnChart } from "./charts.js";
import { SubsetPanel } from "./subset.js";
import { AnalyticsPanel } from "./analytics.js";

const $ = (id) => document.getElementById(id);
let exportCatalog = null; // GET /api/v1/export-formats, fetched once
const FILTERS = ["status_filter", "min_score", "max_score", "issue_filter", "alert_filter"];
const REFRESH_MS = 2500;

export class JobView {
  constructor({ notify, lookup }) {
    this.notify = notify;
    this.lookup = lookup; // the job list's entry for an id, when it has one
    this.jobId = null;
    this.subsets = new SubsetPanel({ notify });
    this.analytics = new AnalyticsPanel({ notify });
    $("filter-form").addEventListener("submit", (event) => { event.preventDefault(); this.page = 1; this.loadResults(); });
    $("filter-form").addEventListener("reset", () => {
      if (!this.resetting) window.setTimeout(() => { this.page = 1; this.loadResults(); });
    });
    $("page-prev").addEventListener("click", () => { this.page -= 1; this.loadResults(); });
    $("page-next").addEventListener("click", () => { this.page += 1; this.loadResults(); });
    $("cancel-button").addEventListener("click", () => this.cancel());
    for (const th of document.querySelectorAll("#results-table th[data-sort]")) {
      th.querySelector("button").addEventListener("click", () => this.sortBy(th.dataset.sort));
    }
  }

  open(jobId) {
    this.close();
    Object.assign(this, { jobId, message: null, page: 1, sort: "index", dir: "asc", lastRefresh: 0, meter: new RateMeter() });
    this.resetting = true; // a new job starts unfiltered, without a results request of its own
    $("filter-form").reset();
    this.resetting = false;
    $("job-title").textContent = `Job ${jobId.slice(0, 8)}`;
    $("job-meta").textContent = "";
    $("results-body").replaceChildren();
    this.showSort();
    this.subsets.open(jobId);
    this.loadHeader();
    this.refresh();
    this.analytics.open(jobId);
    this.socket = new LiveSocket(`/ws/batch/${jobId}`, {
      params: () => (this.message && this.message.seq ? { after_seq: this.message.seq } : {}),
      onMessage: (message) => this.onMessage(message),
      onState: (state) => { if (state === "gave-up") this.poll(); },
      maxFailures: 3,
    });
  }

  close() {
    this.analytics.close();
    if (this.socket) this.socket.close();
    window.clearTimeout(this.pollTimer);
    window.clearTimeout(this.refreshTimer);
    this.socket = null;
    this.jobId = null;
  }

  async loadHeader() {
    const jobId = this.jobId;
    try {
      let item = this.lookup(jobId);
      if (!item || !item.filename || !item.format) {
        const body = await api("/api/v1/batch", { params: { limit: 500 } });
        item = body.jobs.find((job) => job.job_id === jobId);
      }
      if (item && jobId === this.jobId) {
        $("job-title").textContent = item.filename;
        $("job-meta").textContent = `Job ${jobId} · ${item.format || "?"}${item.compressed ? " (gzip)" : ""} · uploaded ${formatTime(item.created_at)}`;
      }
    } catch (error) { /* the title stays the short id */ }
  }

  async poll() {
    const jobId = this.jobId;
    try {
      this.onMessage(await api(`/api/v1/batch/${jobId}/status`));
    } catch (error) {
      if (jobId === this.jobId) this.notify(`Job ${jobId}: ${error.message}`);
      return;
    }
    if (jobId === this.jobId && !TERMINAL.has(this.message.status)) {
      this.pollTimer = window.setTimeout(() => this.poll(), 2000);
    }
  }

  onMessage(message) {
    if (message.job_id !== this.jobId) return;
    if (this.message && message.seq !== undefined && message.seq < this.message.seq) return;
    const ended = TERMINAL.has(message.status) && !(this.message && TERMINAL.has(this.message.status));
    this.message = { ...this.message, ...message };
    this.meter.add(message.processed);
    this.subsets.setMessage(this.message);
    this.renderProgress();
    if (ended) this.refresh();
    else this.refreshSoon();
  }

  renderProgress() {
    const m = this.message;
    const percent = Math.min(100, Math.max(0, Number(m.progress) || 0));
    const bar = $("job-bar");
    bar.dataset.status = m.status;
    bar.setAttribute("aria-valuenow", String(Math.round(percent * 10) / 10));
    bar.firstElementChild.style.width = `${percent}%`;
    const badge = $("job-status");
    badge.textContent = m.status;
    badge.className = `badge ${m.status}`;
    const live = m.status === "processing";
    const rate = live ? this.meter.rate() : this.stats && this.stats.molecules_per_second;
    const parts = [`${percent.toFixed(1)} %`, `${formatNumber(m.processed)} of ${formatNumber(m.total)} molecules`,
      formatRate(rate)];
    if (live) parts.push(`about ${formatDuration(m.eta_seconds)} left`);
    $("job-progress").textContent = parts.join(" · ");
    $("cancel-button").hidden = !live;
    $("job-error").hidden = !m.error_message;
    $("job-error").textContent = m.error_message || "";
  }

  refreshSoon() {
    const wait = this.lastRefresh + REFRESH_MS - Date.now();
    if (this.refreshTimer) return;
    this.refreshTimer = window.setTimeout(() => { this.refreshTimer = null; this.refresh(); }, Math.max(0, wait));
  }

  refresh() {
    this.lastRefresh = Date.now();
    this.loadStats();
    this.loadResults();
  }

  async loadStats() {
    const jobId = this.jobId;
    let stats;
    try {
      stats = await api(`/api/v1/batch/${jobId}/stats`);
    } catch (error) {
      if (jobId === this.jobId) this.notify(`Statistics: ${error.message}`);
      return;
    }
    if (jobId !== this.jobId) return;
    this.stats = stats;
    this.renderStats(stats);
    if (this.message) this.renderProgress();
  }

  renderStats(s) {
    const cards = [
      ["Molecules", formatNumber(s.total)], ["Audited", formatNumber(s.successful)],
      ["Could not be read", formatNumber(s.errors)], ["Mean score", formatNumber(s.avg_validation_score, 1)],
      ["Mean QED", formatNumber(s.avg_qed_score, 2)], ["Mean ML readiness", formatNumber(s.avg_ml_readiness_score, 1)],
      ["Lipinski pass", s.lipinski_pass_rate === null ? "–" : `${formatNumber(s.lipinski_pass_rate, 1)} %`],
      ["No alerts", s.safety_pass_rate === null ? "–" : `${formatNumber(s.safety_pass_rate, 1)} %`],
      ["Duplicates", formatNumber(s.duplicates ? s.duplicates.molecules : null)],
    ];
    if (s.avg_profile_score !== undefined) { // a job scored with a profile
      cards.push(["Mean profile score", formatNumber(s.avg_profile_score, 1)],
        ["Profile score ≥ 80", s.profile_compliance_rate === null ? "–" : `${formatNumber(s.profile_compliance_rate, 1)} %`]);
    }
    $("stat-cards").replaceChildren(...cards.map(([label, value]) => {
      const div = document.createElement("div");
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      dt.textContent = label;
      dd.textContent = value;
      div.append(dt, dd);
      return div;
    }));
    const bands = s.score_distribution || {};
    columnChart($("chart-scores"), "Validation scores", [
      { label: "poor", note: "< 50", value: bands.poor || 0, color: "#b3261e" },
      { label: "moderate", note: "50–69", value: bands.moderate || 0, color: "#c98a00" },
      { label: "good", note: "70–89", value: bands.good || 0, color: "#2f7ed8" },
      { label: "excellent", note: "≥ 90", value: bands.excellent || 0, color: "#22703a" },
    ]);
    barChart($("chart-alerts"), "Alerts by catalog", s.alert_summary, { color: "#c05621" });
    barChart($("chart-issues"), "Failed checks", s.issue_summary, { color: "#6b46c1" });
    fillChoices($("filter-issue"), s.issue_summary);
    fillChoices($("filter-alert"), s.alert_summary);
  }

  filters() {
    const form = $("filter-form");
    const values = {};
    for (const name of FILTERS) values[name] = form.elements[name].value.trim();
    return values;
  }

  async loadResults() {
    const jobId = this.jobId;
    const pageSize = Number($("page-size").value);
    const params = { ...this.filters(), sort_by: this.sort, sort_dir: this.dir, page: this.page, page_size: pageSize };
    this.renderExports();
    const request = (this.resultsRequest = (this.resultsRequest || 0) + 1);
    const table = $("results-table");
    table.setAttribute("aria-busy", "true");
    let body;
    try {
      body = await api(`/api/v1/batch/${jobId}`, { params });
    } catch (error) {
      if (jobId === this.jobId) this.notify(`Results: ${error.message}`);
      return;
    } finally {
      if (request === this.resultsRequest) table.setAttribute("aria-busy", "false");
    }
    // Only the latest request's answer is shown: an older one may arrive after it.
    if (jobId !== this.jobId || request !== this.resultsRequest) return;
    if (!this.message) this.onMessage(body);
    this.renderResults(body, pageSize);
  }

  renderResults(body, pageSize) {
    $("results-body").replaceChildren(...body.results.map(resultRow));
    const first = body.total_results ? (body.page - 1) * pageSize + 1 : 0;
    const last = Math.min(body.total_results, body.page * pageSize);
    $("results-summary").textContent = `Showing ${formatNumber(first)}–${formatNumber(last)} of ${formatNumber(body.total_results)} matching results.`;
    const pages = Math.max(1, body.total_pages);
    $("page-info").textContent = `Page ${body.page} of ${pages}`;
    $("page-prev").disabled = body.page <= 1;
    $("page-next").disabled = body.page >= pages;
  }

  async renderExports() {
    if (!exportCatalog) {
      try {
        exportCatalog = await api("/api/v1/export-formats");
      } catch (error) {
        this.notify(`Export formats: ${error.message}`);
        return;
      }
      renderExportOptions(exportCatalog, () => this.renderExports());
    }
    const params = { ...this.filters(), sort_by: this.sort, sort_dir: this.dir };
    const chosen = exportOptionValues(exportCatalog);
    $("export-links").replaceChildren(...exportCatalog.formats.map((format) => {
      const options = {};
      for (const name of format.options) if (chosen[name] !== undefined) options[name] = chosen[name];
      const link = document.createElement("a");
      link.href = downloadUrl(`/api/v1/batch/${this.jobId}/export`, { format: format.name, ...options, ...params });
      link.textContent = format.label;
      link.title = format.description;
      link.setAttribute("download", "");
      link.dataset.format = format.name;
      return link;
    }));
  }

  sortBy(key) {
    if (this.sort === key) this.dir = this.dir === "asc" ? "desc" : "asc";
    else [this.sort, this.dir] = [key, ["score", "qed", "profile_score"].includes(key) ? "desc" : "asc"];
    this.page = 1;
    this.showSort();
    this.loadResults();
  }

  showSort() {
    for (const th of document.querySelectorAll("#results-table th[data-sort]")) {
      if (th.dataset.sort === this.sort) th.setAttribute("aria-sort", this.dir === "asc" ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
  }

  async cancel() {
    if (!window.confirm("Cancel this job? Results so far are kept.")) return;
    try {
      this.onMessage(await api(`/api/v1/batch/${this.jobId}`, { method: "DELETE" }));
    } catch (error) {
      this.notify(`Cancel failed: ${error.message}`);
    }
  }
}

// One control per export option (a checkbox or a select), under the links; a change re-renders them.
function renderExportOptions(catalog, onChange) {
  const controls = Object.entries(catalog.options).map(([name, option]) => {
    const label = document.createElement("label");
    label.title = option.description;
    let input;
    if (option.type === "boolean") {
      input = document.createElement("input");
      input.type = "checkbox";
      input.checked = Boolean(option.default);
      label.append(input, ` ${name}`);
    } else {
      input = document.createElement("select");
      for (const choice of option.choices) input.add(new Option(choice, choice, false, choice === option.default));
      label.append(`${name} `, input);
    }
    input.name = name;
    input.addEventListener("change", onChange);
    return label;
  });
  $("export-options").replaceChildren(...controls);
}

function exportOptionValues(catalog) {
  const values = {};
  for (const [name, option] of Object.entries(catalog.options)) {
    const input = $("export-options").querySelector(`[name="${name}"]`);
    if (!input) continue;
    const value = option.type === "boolean" ? input.checked : input.value;
    if (value !== option.default) values[name] = String(value);
  }
  return values;
}

function choiceLabel(name, counts) {
  return counts && counts[name] !== undefined ? `${name} (${counts[name]})` : name;
}

function fillChoices(select, counts) {
  const current = select.value;
  const names = Object.keys(counts || {}).sort();
  const shown = [...select.options].slice(1).map((option) => option.value);
  if (shown.join("\n") === names.join("\n")) { // same choices: update the counts in place
    [...select.options].slice(1).forEach((option) => { option.textContent = choiceLabel(option.value, counts); });
    return;
  }
  if (current && !names.includes(current)) names.push(current);
  const any = document.createElement("option");
  any.value = "";
  any.textContent = "any";
  select.replaceChildren(any, ...names.map((name) => {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = choiceLabel(name, counts);
    return option;
  }));
  select.value = current;
}

function cell(tr, text, className) {
  const td = tr.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function resultRow(item) {
  const tr = document.createElement("tr");
  const validation = item.validation || {};
  const alerts = (item.alerts && item.alerts.alerts) || [];
  const issues = (validation.issues || []).map((issue) => issue.check_name);
  const qed = item.scoring && item.scoring.druglikeness ? item.scoring.druglikeness.qed_score : null;
  cell(tr, String(item.index), "num");
  cell(tr, item.name);
  cell(tr, item.smiles, "smiles");
  const status = cell(tr, "");
  const badge = document.createElement("span");
  badge.className = `badge ${item.status}`;
  badge.textContent = item.status;
  status.append(badge);
  if (item.error) status.title = item.error;
  cell(tr, validation.overall_score ?? "–", "num");
  cell(tr, qed === null || qed === undefined ? "–" : Number(qed).toFixed(2), "num");
  const alertCell = cell(tr, String(alerts.length), "num");
  alertCell.title = [...new Set(alerts.map((alert) => alert.catalog))].join(", ");
  cell(tr, item.error ? item.error : issues.join(", ") || "none", "issues");
  const profile = item.scoring && item.scoring.profile ? item.scoring.profile.score : null;
  cell(tr, profile === null || profile === undefined ? "–" : Number(profile).toFixed(1), "num");
  return tr;
}

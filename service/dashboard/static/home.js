// The home view: the upload form and the live list of jobs (GET /api/v1/batch for history,
// then every progress message from WS /ws/jobs).

import {
  LiveSocket, RateMeter, TERMINAL, api, formatDuration, formatNumber, formatRate, formatTime, upload,
} from "./api.js";
import { ColumnPicker } from "./columns.js";
import { fillProfileSelect } from "./profiles.js";

const $ = (id) => document.getElementById(id);
const HISTORY_SIZE = 50;

export class Home {
  constructor({ notify, setLive }) {
    this.notify = notify;
    this.setLive = setLive;
    this.jobs = new Map(); // job_id -> job state
    this.rows = new Map(); // job_id -> its table row's cells
    this.historyTimer = null;
    this.renderQueued = false;
    $("upload-form").addEventListener("submit", (event) => this.submit(event));
    this.columns = new ColumnPicker();
  }

  start() {
    this.loadHistory();
    fillProfileSelect($("profile-select"), "(none)")
      .catch((error) => this.notify(`Could not load the scoring profiles: ${error.message}`));
    this.socket = new LiveSocket("/ws/jobs", {
      onMessage: (message) => this.onMessage(message),
      onState: (state) => {
        this.setLive(state);
        if (state === "live") this.scheduleHistory(0); // catch up on what happened while away
      },
    });
    this.ticker = window.setInterval(() => this.queueRender(), 1000);
  }

  job(jobId) {
    let job = this.jobs.get(jobId);
    if (!job) {
      job = { job_id: jobId, filename: null, status: "processing", processed: 0, total: 0, progress: 0,
              eta_seconds: null, seq: 0, meter: new RateMeter() };
      this.jobs.set(jobId, job);
    }
    return job;
  }

  async loadHistory() {
    try {
      const body = await api("/api/v1/batch", { params: { limit: HISTORY_SIZE } });
      for (const item of body.jobs) this.merge(item);
      this.queueRender();
    } catch (error) {
      this.notify(`Could not load the job list: ${error.message}`);
    }
  }

  // A history entry may be older than the live messages already shown: its progress is taken
  // only when it is ahead of them, so a bar never goes backwards.
  merge(item) {
    const job = this.job(item.job_id);
    const { status, processed, total, ...details } = item;
    Object.assign(job, details);
    const ahead = processed > job.processed || (TERMINAL.has(status) && !TERMINAL.has(job.status));
    if (job.seq === 0 || ahead) {
      Object.assign(job, { status, processed, total });
      job.progress = total ? (100 * processed) / total : (TERMINAL.has(status) ? 100 : 0);
      if (TERMINAL.has(status)) job.eta_seconds = 0;
      job.meter.add(processed);
    }
  }

  scheduleHistory(delay = 400) {
    window.clearTimeout(this.historyTimer);
    this.historyTimer = window.setTimeout(() => this.loadHistory(), delay);
  }

  onMessage(message) {
    const job = this.job(message.job_id);
    if (message.seq !== undefined && message.seq <= job.seq) return;
    const ended = TERMINAL.has(message.status) && !TERMINAL.has(job.status);
    Object.assign(job, message);
    job.meter.add(message.processed);
    if (!job.filename || ended) this.scheduleHistory(); // names and final rates come from history
    this.queueRender();
  }

  async submit(event) {
    event.preventDefault();
    const form = event.target;
    const file = $("file-input").files[0];
    if (!file) return;
    const data = new FormData();
    // Text fields first: the server applies the columns while the file streams in.
    for (const name of ["smiles_column", "name_column", "profile_id"]) {
      const value = form.elements[name].value.trim();
      if (value) data.append(name, value);
    }
    for (const box of form.querySelectorAll("input[data-option]")) {
      data.append(box.name, box.checked ? "true" : "false");
    }
    data.append("file", file, file.name);
    const button = $("upload-button");
    const status = $("upload-status");
    button.disabled = true;
    status.textContent = "Uploading…";
    try {
      const body = await upload(data, (fraction) => {
        status.textContent = `Uploading… ${Math.round(fraction * 100)} %`;
      });
      const job = this.job(body.job_id);
      Object.assign(job, { filename: file.name, total: body.total_molecules, created_at: new Date().toISOString() });
      status.textContent = `Queued ${formatNumber(body.total_molecules)} molecules from ${file.name}.`;
      form.reset();
      this.columns.clear();
      this.queueRender();
      this.scheduleHistory();
    } catch (error) {
      status.textContent = "";
      this.notify(`Upload refused: ${error.message}`);
    } finally {
      button.disabled = false;
    }
  }

  queueRender() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    window.requestAnimationFrame(() => { this.renderQueued = false; this.render(); });
  }

  render() {
    const body = $("jobs-body");
    const ordered = [...this.jobs.values()].sort((a, b) =>
      (b.created_at || "9999").localeCompare(a.created_at || "9999"));
    $("jobs-empty").hidden = ordered.length > 0;
    ordered.forEach((job, position) => {
      const row = this.rows.get(job.job_id) || this.createRow(job.job_id);
      this.fill(row, job);
      if (body.children[position] !== row.tr) body.insertBefore(row.tr, body.children[position] || null);
    });
  }

  createRow(jobId) {
    const tr = document.createElement("tr");
    tr.dataset.jobId = jobId;
    const cells = Array.from({ length: 7 }, () => tr.insertCell());
    const link = document.createElement("a");
    link.href = `#/job/${jobId}`;
    cells[0].append(link);
    const badge = document.createElement("span");
    badge.className = "badge";
    cells[1].append(badge);
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    bar.append(document.createElement("span"));
    cells[2].append(bar);
    const row = { tr, cells, link, badge, bar };
    this.rows.set(jobId, row);
    return row;
  }

  fill(row, job) {
    const name = job.filename || `job ${job.job_id.slice(0, 8)}`;
    row.link.textContent = name;
    row.badge.textContent = job.status;
    row.badge.className = `badge ${job.status}`;
    const percent = Math.min(100, Math.max(0, Number(job.progress) || 0));
    row.bar.dataset.status = job.status;
    row.bar.setAttribute("aria-valuenow", String(Math.round(percent * 10) / 10));
    row.bar.setAttribute("aria-label", `${name}: ${percent.toFixed(1)} %`);
    row.bar.firstChild.style.width = `${percent}%`;
    row.cells[3].textContent = `${formatNumber(job.processed)} / ${formatNumber(job.total)}`;
    row.cells[4].textContent = formatRate(this.rate(job));
    row.cells[5].textContent = job.status === "processing" ? formatDuration(job.eta_seconds) : "–";
    row.cells[6].textContent = formatTime(job.created_at);
  }

  rate(job) {
    if (TERMINAL.has(job.status)) return job.molecules_per_second ?? null;
    const live = job.meter.rate();
    if (live !== null) return live;
    if (job.started_at && job.processed) {
      return job.processed / Math.max(1, (Date.now() - Date.parse(job.started_at)) / 1000);
    }
    return null;
  }
}

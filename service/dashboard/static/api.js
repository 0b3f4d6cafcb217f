// Talking to the service: JSON calls, uploads with progress, download links, and sockets that
// reconnect. The optional API key (only needed when the server has keys configured) is kept in
// localStorage and sent as X-API-Key. It never goes into a URL (proxy logs, history): where a
// header cannot be set (socket handshakes, download links) a 60-second ?ticket= from
// POST /api/v1/tickets stands for it.

const KEY_STORE = "chemaudit.apiKey";
export const TERMINAL = new Set(["complete", "failed", "cancelled"]);

export function apiKey() {
  try { return localStorage.getItem(KEY_STORE) || ""; } catch { return ""; }
}

export function setApiKey(value) {
  try {
    if (value) localStorage.setItem(KEY_STORE, value); else localStorage.removeItem(KEY_STORE);
  } catch { /* storage disabled: the key lasts for this page only */ }
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `The server answered ${status}.`);
    this.status = status;
    this.code = (body && body.error) || "http_error";
  }
}

function withParams(path, params = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(params)) {
    if (value !== "" && value !== null && value !== undefined) url.searchParams.set(name, value);
  }
  return url;
}

// The URL with a fresh ticket when a key is set (else as it is).
async function withTicket(url) {
  const key = apiKey();
  if (!key) return url;
  const response = await fetch("/api/v1/tickets", { method: "POST", headers: { "X-API-Key": key, Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  if (body && body.ticket) url.searchParams.set("ticket", body.ticket);
  return url;
}

// `json`: a body sent as JSON; `form`: a FormData body (multipart).
export async function api(path, { method = "GET", params, json, form } = {}) {
  const headers = { Accept: "application/json" };
  const key = apiKey();
  if (key) headers["X-API-Key"] = key;
  const init = { method, headers };
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form) {
    init.body = form;
  }
  const response = await fetch(withParams(path, params), init);
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

export function downloadUrl(path, params) {
  const url = withParams(path, params);
  return url.pathname + url.search;
}

// Download links (<a download href="/api/...">) get a ticket at the moment they are clicked, so
// the page can render plain links and the key stays out of every URL.
export function installTicketedDownloads(onError = () => {}) {
  document.addEventListener("click", async (event) => {
    const link = event.target.closest && event.target.closest("a[download]");
    if (!link || link.dataset.ticketed || !apiKey()) return;
    const url = new URL(link.href, window.location.origin);
    if (url.origin !== window.location.origin || !url.pathname.startsWith("/api/")) return;
    event.preventDefault();
    try {
      const ticketed = document.createElement("a");
      ticketed.href = (await withTicket(url)).toString();
      ticketed.download = link.getAttribute("download") || "";
      ticketed.dataset.ticketed = "1";
      document.body.append(ticketed);
      ticketed.click();
      ticketed.remove();
    } catch (error) {
      onError(error);
    }
  });
}

// multipart upload through XMLHttpRequest, for its upload progress events.
export function upload(form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/batch/upload");
    const key = apiKey();
    if (key) xhr.setRequestHeader("X-API-Key", key);
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status === 202) resolve(xhr.response);
      else reject(new ApiError(xhr.status, xhr.response));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, { detail: "The upload could not reach the server." })));
    xhr.send(form);
  });
}

// A WebSocket that reconnects with backoff. `params()` is re-read on every (re)connect, so a
// job socket can resume with ?after_seq=. The server closing with 1000 ends it for good
// (a job socket after its terminal message); anything else reconnects.
export class LiveSocket {
  constructor(path, { params = () => ({}), onMessage, onState = () => {}, maxFailures = Infinity }) {
    Object.assign(this, { path, params, onMessage, onState, maxFailures });
    this.failures = 0;
    this.closed = false;
    this.socket = null;
    this.timer = null;
    this.connect();
  }

  async connect() {
    if (this.closed) return;
    let url;
    try {
      url = await withTicket(withParams(this.path, this.params()));
    } catch {
      this.retry();
      return;
    }
    if (this.closed) return;
    url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url);
    this.socket = socket;
    this.onState("connecting");
    socket.addEventListener("open", () => { this.failures = 0; this.onState("live"); });
    socket.addEventListener("message", (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      this.onMessage(message);
    });
    socket.addEventListener("close", (event) => {
      if (this.closed || socket !== this.socket) return;
      if (event.code === 1000) { this.onState("done"); return; }
      this.retry();
    });
  }

  retry() {
    this.failures += 1;
    if (this.failures >= this.maxFailures) { this.onState("gave-up"); return; }
    this.onState("down");
    const delay = Math.min(10000, 500 * 2 ** Math.min(this.failures, 5)) * (1 + Math.random() / 2);
    this.timer = window.setTimeout(() => this.connect(), delay);
  }

  close() {
    this.closed = true;
    window.clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000);
  }
}

// Molecules per second over the last few seconds of progress samples.
export class RateMeter {
  constructor(windowMs = 15000) { this.windowMs = windowMs; this.samples = []; }

  add(processed, at = performance.now()) {
    const last = this.samples[this.samples.length - 1];
    if (last && last.processed === processed) return;
    this.samples.push({ processed, at });
    while (this.samples.length > 2 && at - this.samples[0].at > this.windowMs) this.samples.shift();
  }

  rate() {
    if (this.samples.length < 2) return null;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const seconds = (last.at - first.at) / 1000;
    return seconds >= 0.5 ? (last.processed - first.processed) / seconds : null;
  }
}

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

export function formatRate(perSecond) {
  if (perSecond === null || perSecond === undefined || !Number.isFinite(perSecond)) return "–";
  return `${perSecond >= 100 ? Math.round(perSecond) : perSecond.toFixed(1)} mol/s`;
}

export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return Number(value).toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function formatTime(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "–" : date.toLocaleString();
}

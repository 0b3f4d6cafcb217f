// The job view's selection panel: revalidate or rescore some molecules as a new job, or score them
// with a profile at once (POST /api/v1/batch/{id}/subset/...), and the link to a job's parent.

import { api, formatNumber } from "./api.js";
import { fillProfileSelect } from "./profiles.js";

const $ = (id) => document.getElementById(id);

// "0,4,10-12" -> [0, 4, 10, 11, 12]; null when the text is not such a list.
export function parseIndices(text) {
  const out = [];
  for (const part of text.split(",").map((piece) => piece.trim()).filter(Boolean)) {
    const match = part.match(/^(\d+)(?:\s*-\s*(\d+))?$/);
    if (!match) return null;
    const [first, last] = [Number(match[1]), Number(match[2] ?? match[1])];
    if (last < first || last - first > 100000) return null;
    for (let i = first; i <= last; i += 1) out.push(i);
  }
  return out.length ? out : null;
}

export class SubsetPanel {
  constructor({ notify }) {
    this.notify = notify;
    this.jobId = null;
    this.action = "score-inline";
    $("subset-page").addEventListener("click", () => {
      const shown = [...document.querySelectorAll("#results-body tr")].map((tr) => tr.cells[0].textContent);
      $("subset-indices").value = shown.join(",");
    });
    for (const button of document.querySelectorAll("#subset-form button[data-action]")) {
      button.addEventListener("click", () => { this.action = button.dataset.action; });
    }
    $("subset-form").addEventListener("submit", (event) => { event.preventDefault(); this.run(); });
  }

  open(jobId) {
    this.jobId = jobId;
    $("subset-status").textContent = "";
    $("subset-scores").hidden = true;
    $("job-parent").hidden = true;
    fillProfileSelect($("subset-profile"), "(none)")
      .catch((error) => this.notify(`Could not load the scoring profiles: ${error.message}`));
    // Socket messages do not name the parent; the status does.
    api(`/api/v1/batch/${jobId}/status`)
      .then((status) => { if (jobId === this.jobId) this.setMessage(status); })
      .catch(() => { /* the job view reports an unknown job itself */ });
  }

  setMessage(message) {
    if (!message.parent_job_id) return;
    const link = $("job-parent-link");
    link.href = `#/job/${message.parent_job_id}`;
    link.textContent = `job ${message.parent_job_id.slice(0, 8)}`;
    $("job-parent").hidden = false;
  }

  async run() {
    const indices = parseIndices($("subset-indices").value);
    if (!indices) {
      $("subset-status").textContent = "Give result indices like 0,4,10-19.";
      return;
    }
    const body = { indices };
    const profile = $("subset-profile").value;
    if (profile) body.profile_id = Number(profile);
    if (this.action === "score-inline" && !profile) {
      $("subset-status").textContent = "Choose a scoring profile to score with.";
      return;
    }
    const jobId = this.jobId;
    $("subset-status").textContent = "Working…";
    try {
      const answer = await api(`/api/v1/batch/${jobId}/subset/${this.action}`, { method: "POST", json: body });
      if (jobId !== this.jobId) return;
      if (this.action === "score-inline") this.showScores(answer);
      else this.showJob(answer);
    } catch (error) {
      if (jobId === this.jobId) $("subset-status").textContent = `Refused: ${error.message}`;
    }
  }

  showJob(answer) {
    const link = document.createElement("a");
    link.href = `#/job/${answer.new_job_id}`;
    link.textContent = `job ${answer.new_job_id.slice(0, 8)}`;
    $("subset-status").replaceChildren(
      `${answer.action === "rescore" ? "Rescoring" : "Revalidating"} ${formatNumber(answer.molecule_count)} molecules as `,
      link, ".");
    $("subset-scores").hidden = true;
  }

  showScores(answer) {
    const rows = answer.molecules.map((molecule) => {
      const tr = document.createElement("tr");
      const score = molecule.profile ? molecule.profile.score : null;
      const outside = Object.entries((molecule.profile && molecule.profile.properties) || {})
        .filter(([, detail]) => detail.in_range === false).map(([name]) => name);
      for (const [text, className] of [[String(molecule.index), "num"], [molecule.name, ""],
        [score === null || score === undefined ? "–" : Number(score).toFixed(1), "num"],
        [outside.join(", ") || "none", "issues"]]) {
        const td = tr.insertCell();
        td.textContent = text;
        if (className) td.className = className;
      }
      return tr;
    });
    $("subset-scores-body").replaceChildren(...rows);
    $("subset-scores").hidden = false;
    const missing = answer.not_found && answer.not_found.length ? `; not audited yet: ${answer.not_found.join(", ")}` : "";
    $("subset-status").textContent = `${answer.profile_name}: ${formatNumber(rows.length)} molecules scored${missing}.`;
  }
}

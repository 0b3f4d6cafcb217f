// The dashboard's entry point: hash routing between the job list (#/) and a job (#/job/ID).

import { apiKey, installTicketedDownloads, setApiKey } from "./api.js";
import { Home } from "./home.js";
import { JobView } from "./job.js";

const $ = (id) => document.getElementById(id);
const LIVE_TEXT = { connecting: "connecting…", live: "live", down: "reconnecting…", done: "closed", "gave-up": "offline" };

function notify(text) {
  const notice = $("notice");
  notice.textContent = text;
  notice.hidden = !text;
}

function setLive(state) {
  const badge = $("live");
  badge.dataset.state = state;
  badge.textContent = LIVE_TEXT[state] || state;
}

function route(home, jobView) {
  notify("");
  const match = window.location.hash.match(/^#\/job\/([0-9a-fA-F-]{36})$/);
  $("view-home").hidden = Boolean(match);
  $("view-job").hidden = !match;
  if (match) {
    if (jobView.jobId !== match[1]) jobView.open(match[1]);
    document.title = "Job · ChemAudit dashboard";
  } else {
    jobView.close();
    document.title = "ChemAudit dashboard";
  }
  $("main").focus({ preventScroll: true });
}

function setupKeyForm() {
  $("api-key").value = apiKey();
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    setApiKey($("api-key").value.trim());
    window.location.reload();
  });
}

function main() {
  setupKeyForm();
  installTicketedDownloads((error) => notify(`Download failed: ${error.message}`));
  const home = new Home({ notify, setLive });
  const jobView = new JobView({ notify, lookup: (jobId) => home.jobs.get(jobId) });
  home.start();
  window.addEventListener("hashchange", () => route(home, jobView));
  route(home, jobView);
}

main();

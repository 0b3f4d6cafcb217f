// Scoring profiles (GET /api/v1/profiles) for the pickers of the upload form and the subset panel.

import { api } from "./api.js";

let loading = null;

// The profiles, fetched once per page (presets first, then the user's own).
export function profiles() {
  if (!loading) loading = api("/api/v1/profiles").catch((error) => { loading = null; throw error; });
  return loading;
}

// Fill a <select> with "(none)" (when `none` is given) and one option per profile.
export async function fillProfileSelect(select, none) {
  const list = await profiles();
  const options = list.map((profile) => {
    const option = document.createElement("option");
    option.value = String(profile.id);
    option.textContent = profile.is_preset ? profile.name : `${profile.name} (yours)`;
    option.title = Object.entries(profile.thresholds)
      .map(([name, range]) => `${name} ${range.min ?? "…"}–${range.max ?? "…"}`).join(", ");
    return option;
  });
  if (none) {
    const empty = document.createElement("option");
    empty.value = "";
    empty.textContent = none;
    options.unshift(empty);
  }
  select.replaceChildren(...options);
}

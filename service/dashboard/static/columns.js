// Offering a delimited file's columns in the upload form: on choosing a file, its first 256 KiB
// (and its size) go to POST /api/v1/batch/detect-columns, whose answer fills the column pickers.

import { api, formatNumber } from "./api.js";

const $ = (id) => document.getElementById(id);
const PREFIX_BYTES = 256 * 1024;
const DELIMITED = /\.(csv|tsv|tab|txt)(\.gz|\.gzip)?$/i;

export class ColumnPicker {
  constructor() {
    this.request = 0;
    $("file-input").addEventListener("change", () => this.detect($("file-input").files[0]));
  }

  clear(hint = "") {
    $("column-options").replaceChildren();
    $("column-hint").textContent = hint;
  }

  async detect(file) {
    const request = (this.request += 1);
    this.clear();
    if (!file || !DELIMITED.test(file.name)) return;
    const form = new FormData();
    form.append("file_size", String(file.size));
    form.append("file", file.slice(0, PREFIX_BYTES), file.name);
    $("column-hint").textContent = "Reading the columns…";
    let body;
    try {
      body = await api("/api/v1/batch/detect-columns", { method: "POST", form });
    } catch (error) {
      if (request === this.request) this.clear(`Columns could not be read: ${error.message}`);
      return;
    }
    if (request !== this.request) return; // another file was chosen meanwhile
    this.show(body);
  }

  show(body) {
    $("column-options").replaceChildren(...body.columns.map((name) => {
      const option = document.createElement("option");
      option.value = name;
      const sample = body.column_samples[name];
      if (sample) option.label = `${name} (e.g. ${sample})`;
      return option;
    }));
    const rows = `${body.row_count_exact ? "" : "about "}${formatNumber(body.row_count_estimate)} rows`;
    if (!body.has_header || body.format === "smiles") {
      $("smiles-column").value = "";
      $("name-column").value = "";
      $("column-hint").textContent = `${rows}; no header row to choose from: SMILES first, then the name.`;
      return;
    }
    $("smiles-column").value = body.suggested_smiles || "";
    $("name-column").value = body.suggested_name || "";
    $("column-hint").textContent = `${formatNumber(body.columns.length)} columns, ${rows}.`
      + (body.suggested_smiles ? "" : " Choose the SMILES column.");
  }
}

// @ts-check
// Operators: upload a CSV of exam results or CE credits, follow its import, read its report.
// The file goes straight from the browser to the imports bucket with the presigned POST that
// POST /ops/imports returns; the bucket's S3 trigger then imports it.
import { api, listOf } from "../api.js";
import { h, table, field } from "../dom.js";
import { heading, withLoading, flash, submitting, announce } from "../ui.js";
import * as fmt from "../format.js";
import { opsNav } from "./ops_nav.js";
/** @import { ImportDetail, ImportSummary, Page, StartedImport, View } from "../types.js" */

// The most an import reads (certtrack.certifications.imports.MAX_FILE_BYTES); the upload form's
// signed policy is what enforces it, this only saves sending a file that would be refused.
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024; // certifications/imports.py MAX_FILE_BYTES
const REFRESH_MS = 1500;
const REFRESH_ROUNDS = 80;

/** @type {Record<string, string>} */
const KINDS = { exams: "Exam results", "ce-credits": "CE credits" };
/** @type {Record<string, string>} */
const STATUS_TEXT = {
  awaiting_upload: "Waiting for the file",
  processing: "Importing",
  done: "Done",
  failed: "Failed",
};

/**
 * Why this file cannot be uploaded, or null.
 * @param {File | null} file
 */
export function fileProblem(file) {
  if (!file) return "Choose a CSV file.";
  if (!file.name.toLowerCase().endsWith(".csv")) return "Choose a CSV file: its name must end in .csv.";
  if (file.size === 0) return "The file is empty.";
  if (file.size > MAX_UPLOAD_BYTES) {
    return `The file is ${file.size.toLocaleString("en-US")} bytes; files over ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB are not imported. Split it into smaller files.`;
  }
  return null;
}

/**
 * The browser's form POST of the file to the bucket: the signed fields first, the file last.
 * @param {StartedImport["upload"]} upload
 * @param {File} file
 */
async function sendFile(upload, file) {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append("file", new Blob([file], { type: upload.content_type }), file.name);
  const response = await fetch(upload.url, { method: "POST", body: form });
  if (!response.ok) {
    const text = await response.text();
    const message = /<Message>([^<]*)<\/Message>/.exec(text);
    throw new Error(`The bucket refused the file${message ? `: ${message[1]}` : "."}`);
  }
}

/** @param {ImportSummary} item */
function counts(item) {
  if (item.status === "failed") return item.reason || "Failed";
  if (item.imported === null) return "";
  return `${item.imported} imported, ${item.rejected ?? 0} rejected`;
}

/** @type {View} */
export async function opsImportsView(container, { navigate }) {
  container.append(opsNav("#/ops/imports"), heading("Imports"));
  const kind = h(
    "select",
    { name: "kind", required: true },
    Object.entries(KINDS).map(([value, text]) => h("option", { value }, text)),
  );
  const file = h("input", { name: "file", type: "file", accept: ".csv,text/csv", required: true });
  const form = h(
    "form",
    {
      class: "import-form",
      onsubmit: async (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        const chosen = file.files && file.files.length ? file.files[0] : null;
        const problem = fileProblem(chosen);
        if (problem || !chosen) {
          announce(problem || "Choose a CSV file.", "error");
          file.focus();
          return;
        }
        const started = await submitting(
          form,
          async () => {
            const begun = /** @type {StartedImport} */ (
              await api.post("/ops/imports", { kind: kind.value, filename: chosen.name })
            );
            await sendFile(begun.upload, chosen);
            return begun;
          },
          { busyText: "Uploading…" },
        );
        if (started) {
          flash(`${chosen.name} is uploaded; its import is on the list below.`, "success");
          navigate("#/ops/imports");
        }
      },
    },
    field("What the file holds", kind, { required: true }),
    field("CSV file", file, {
      required: true,
      hint: `A .csv file of at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB, with the columns of its kind.`,
    }),
    h("button", { type: "submit" }, "Upload and import"),
  );
  const list = h("div", {});
  container.append(h("section", { "aria-label": "Upload a file" }, form), h("h2", {}, "Recent imports"), list);

  /** @param {number} round */
  async function load(round) {
    if (!container.isConnected && round > 0) return;
    const data = /** @type {Page<ImportSummary> | null} */ (
      await withLoading(list, () => api.get("/ops/imports", { query: { limit: 50 } }))
    );
    const items = /** @type {ImportSummary[]} */ (listOf(data, "items"));
    list.replaceChildren(
      table({
        caption: "Imports, newest first",
        columns: ["File", "Kind", "Status", "Result", "Started", "By"],
        rows: items.map((item) =>
          h(
            "tr",
            {},
            h("td", {}, h("a", { href: `#/ops/imports/${encodeURIComponent(item.import_id)}` }, item.filename)),
            h("td", {}, KINDS[item.kind] || item.kind),
            h("td", {}, STATUS_TEXT[item.status] || item.status),
            h("td", {}, counts(item)),
            h("td", {}, fmt.timestamp(item.created_at)),
            h("td", {}, item.operator || (item.source === "bucket" ? "Dropped in the bucket" : "")),
          ),
        ),
        empty: "No imports yet.",
      }),
    );
    const running = items.some((item) => item.status === "awaiting_upload" || item.status === "processing");
    if (running && round < REFRESH_ROUNDS) setTimeout(() => load(round + 1), REFRESH_MS);
  }
  await load(0);
}

/** @type {View} */
export async function opsImportView(container, { params }) {
  const [importId] = params;
  container.append(opsNav("#/ops/imports"), h("p", {}, h("a", { href: "#/ops/imports" }, "All imports")));
  const body = h("div", {});
  container.append(body);

  /** @param {number} round */
  async function load(round) {
    if (!container.isConnected && round > 0) return;
    const item = /** @type {ImportDetail | null} */ (
      await withLoading(body, () => api.get(`/ops/imports/${encodeURIComponent(importId)}`))
    );
    if (!item) return;
    const facts = [
      ["Kind", KINDS[item.kind] || item.kind],
      ["Status", STATUS_TEXT[item.status] || item.status],
      ["Lines read", item.rows === null ? "" : String(item.rows)],
      ["Imported", item.imported === null ? "" : String(item.imported)],
      ["Rejected", item.rejected === null ? "" : String(item.rejected)],
      ["Started", fmt.timestamp(item.created_at)],
      ["By", item.operator || (item.source === "bucket" ? "Dropped in the bucket" : "")],
    ];
    if (item.reason) facts.push(["Why it failed", item.reason]);
    body.replaceChildren(
      heading(`Import of ${item.filename}`),
      h("dl", { class: "facts" }, facts.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
      ...(item.report
        ? [h("p", {}, h("a", { href: item.report.url, download: "" }, "Download the full report (JSON)"))]
        : []),
      table({
        caption:
          item.rejected && item.rejected > item.rejected_lines.length
            ? `Rejected lines (the first ${item.rejected_lines.length} of ${item.rejected}; the report has all)`
            : "Rejected lines",
        columns: ["Line", "Reason"],
        rows: item.rejected_lines.map((r) => h("tr", {}, h("td", {}, String(r.line)), h("td", {}, r.reason))),
        empty: item.status === "done" ? "No line was rejected." : "Nothing yet.",
      }),
    );
    if ((item.status === "awaiting_upload" || item.status === "processing") && round < REFRESH_ROUNDS) {
      setTimeout(() => load(round + 1), REFRESH_MS);
    }
  }
  await load(0);
}

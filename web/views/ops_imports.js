// @ts-check
// Operators: upload a CSV of exam results or CE credits, follow its import, read its report.
// The file goes straight from the browser to the imports bucket with the presigned POST that
// POST /ops/imports returns; the bucket's S3 trigger then imports it.
import { api, listOf } from "../api.js";
import { h, table, field } from "../dom.js";
import { heading, withLoading, flash, submitting, announce } from "../ui.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
import { opsNav } from "./ops_nav.js";
/** @import { ImportDetail, ImportSummary, Page, StartedImport, View } from "../types.js" */

// The most an import reads (certtrack.certifications.imports.MAX_FILE_BYTES); the upload form's
// signed policy is what enforces it, this only saves sending a file that would be refused.
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024; // certifications/imports.py MAX_FILE_BYTES
const REFRESH_MS = 1500;
const REFRESH_ROUNDS = 80;

/** @type {Record<string, string>} the kinds of file, with their message keys */
const KINDS = { exams: "ops.imports.kind.exams", "ce-credits": "ops.imports.kind.ceCredits" };
const STATUSES = ["awaiting_upload", "processing", "done", "failed"];
const MAX_UPLOAD_MIB = MAX_UPLOAD_BYTES / 1024 / 1024;

/** @param {string} kind an import's kind in words */
const kindText = (kind) => (kind in KINDS ? t(KINDS[kind]) : kind);
/** @param {string} status an import's status in words */
const statusText = (status) => (STATUSES.includes(status) ? t(`ops.imports.status.${status}`) : status);
/** @param {ImportSummary} item who started the import (a file dropped in the bucket has no operator) */
const startedBy = (item) => item.operator || (item.source === "bucket" ? t("ops.imports.fromBucket") : "");

/**
 * Why this file cannot be uploaded, or null.
 * @param {File | null} file
 */
export function fileProblem(file) {
  if (!file) return t("ops.imports.chooseCsv");
  if (!file.name.toLowerCase().endsWith(".csv")) return t("ops.imports.notCsv");
  if (file.size === 0) return t("ops.imports.emptyFile");
  if (file.size > MAX_UPLOAD_BYTES) {
    return t("ops.imports.tooLarge", { bytes: fmt.number(file.size), mib: fmt.number(MAX_UPLOAD_MIB) });
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
    throw new Error(message ? t("ops.imports.refusedBecause", { message: message[1] }) : t("ops.imports.refused"));
  }
}

/** @param {ImportSummary} item */
function counts(item) {
  if (item.status === "failed") return item.reason || statusText("failed");
  if (item.imported === null) return "";
  return t("ops.imports.counts", { imported: fmt.number(item.imported), rejected: fmt.number(item.rejected ?? 0) });
}

/** @type {View} */
export async function opsImportsView(container, { navigate }) {
  container.append(opsNav("#/ops/imports"), heading(t("ops.imports.title")));
  const kind = h(
    "select",
    { name: "kind", required: true },
    Object.keys(KINDS).map((value) => h("option", { value }, kindText(value))),
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
          announce(problem || t("ops.imports.chooseCsv"), "error");
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
          { busyText: t("ops.imports.uploading") },
        );
        if (started) {
          flash(t("ops.imports.uploaded", { name: chosen.name }), "success");
          navigate("#/ops/imports");
        }
      },
    },
    field(t("ops.imports.kind"), kind, { required: true }),
    field(t("ops.imports.file"), file, {
      required: true,
      hint: t("ops.imports.fileHint", { mib: fmt.number(MAX_UPLOAD_MIB) }),
    }),
    h("button", { type: "submit" }, t("ops.imports.upload")),
  );
  const list = h("div", {});
  container.append(
    h("section", { "aria-label": t("ops.imports.uploadSection") }, form),
    h("h2", {}, t("ops.imports.recent")),
    list,
  );

  /** @param {number} round */
  async function load(round) {
    if (!container.isConnected && round > 0) return;
    const data = /** @type {Page<ImportSummary> | null} */ (
      await withLoading(list, () => api.get("/ops/imports", { query: { limit: 50 } }))
    );
    const items = /** @type {ImportSummary[]} */ (listOf(data, "items"));
    list.replaceChildren(
      table({
        caption: t("ops.imports.caption"),
        columns: [
          t("ops.imports.col.file"),
          t("ops.imports.col.kind"),
          t("ops.imports.col.status"),
          t("ops.imports.col.result"),
          t("ops.imports.col.started"),
          t("ops.imports.col.by"),
        ],
        rows: items.map((item) =>
          h(
            "tr",
            {},
            h("td", {}, h("a", { href: `#/ops/imports/${encodeURIComponent(item.import_id)}` }, item.filename)),
            h("td", {}, kindText(item.kind)),
            h("td", {}, statusText(item.status)),
            h("td", {}, counts(item)),
            h("td", {}, fmt.timestamp(item.created_at)),
            h("td", {}, startedBy(item)),
          ),
        ),
        empty: t("ops.imports.none"),
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
  container.append(opsNav("#/ops/imports"), h("p", {}, h("a", { href: "#/ops/imports" }, t("ops.imports.all"))));
  const body = h("div", {});
  container.append(body);

  /** @param {number} round */
  async function load(round) {
    if (!container.isConnected && round > 0) return;
    const item = /** @type {ImportDetail | null} */ (
      await withLoading(body, () => api.get(`/ops/imports/${encodeURIComponent(importId)}`))
    );
    if (!item) return;
    /** @param {number | null} n */
    const count = (n) => (n === null ? "" : fmt.number(n));
    const facts = [
      [t("ops.imports.col.kind"), kindText(item.kind)],
      [t("ops.imports.col.status"), statusText(item.status)],
      [t("ops.imports.linesRead"), count(item.rows)],
      [t("ops.imports.imported"), count(item.imported)],
      [t("ops.imports.rejected"), count(item.rejected)],
      [t("ops.imports.col.started"), fmt.timestamp(item.created_at)],
      [t("ops.imports.col.by"), startedBy(item)],
    ];
    if (item.reason) facts.push([t("ops.imports.whyFailed"), item.reason]);
    body.replaceChildren(
      heading(t("ops.imports.importOf", { name: item.filename })),
      h("dl", { class: "facts" }, facts.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
      ...(item.report
        ? [h("p", {}, h("a", { href: item.report.url, download: "" }, t("ops.imports.download")))]
        : []),
      table({
        caption:
          item.rejected && item.rejected > item.rejected_lines.length
            ? t("ops.imports.rejectedSome", {
                shown: fmt.number(item.rejected_lines.length),
                rejected: fmt.number(item.rejected),
              })
            : t("ops.imports.rejectedLines"),
        columns: [t("ops.imports.col.line"), t("ops.imports.col.reason")],
        rows: item.rejected_lines.map((r) => h("tr", {}, h("td", {}, String(r.line)), h("td", {}, r.reason))),
        empty: item.status === "done" ? t("ops.imports.noneRejected") : t("ops.imports.nothingYet"),
      }),
    );
    if ((item.status === "awaiting_upload" || item.status === "processing") && round < REFRESH_ROUNDS) {
      setTimeout(() => load(round + 1), REFRESH_MS);
    }
  }
  await load(0);
}

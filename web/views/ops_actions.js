// @ts-check
// Operators: grants and corrections on one candidate (#/ops/candidates/<id>/actions). Each form
// needs a reason (kept in the audit trail); a success flashes what changed and stays here, a
// refusal is shown next to the field it is about.
import { api } from "../api.js";
import { h, field } from "../dom.js";
import { heading, flash, submitting, checkedBeforeSending } from "../ui.js";
import { check, sentence } from "../validate.js";
import { opsNav } from "./ops_nav.js";
/** @import { OpsCertificationChange, OpsCreditChange, OpsNameChange, View } from "../types.js" */

/**
 * A text input.
 * @param {string} name
 * @param {Record<string, unknown>} [attrs]
 */
function input(name, attrs = {}) {
  return h("input", { name, type: "text", autocomplete: "off", ...attrs });
}

/** @param {string} prefix a unique prefix for the reason's id */
function reasonField(prefix) {
  const control = h("textarea", { name: "reason", id: `${prefix}-reason`, rows: 2, maxlength: 500 });
  return field("Reason (kept in the audit trail)", /** @type {HTMLTextAreaElement} */ (control), { required: true });
}

/**
 * One action: a titled form whose submit checks the body it would send by the server's rules (and the
 * ids that go in the path: required), then calls `send` with it and the form's values.
 * @param {string} id
 * @param {string} title
 * @param {string} button
 * @param {Node[]} fields
 * @param {{ schema: string, body: (values: FormData) => Record<string, unknown>, path?: string[] }} request
 * @param {(body: Record<string, unknown>, values: FormData) => Promise<string | undefined>} send answers the flash text
 * @param {(hash: string) => void} navigate
 * @param {string} here
 */
function actionForm(id, title, button, fields, request, send, navigate, here) {
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      {
        "aria-labelledby": `${id}-title`,
        novalidate: true,
        onsubmit: async (/** @type {SubmitEvent} */ event) => {
          event.preventDefault();
          const values = new FormData(form);
          const body = request.body(values);
          const errors = (request.path || [])
            .filter((name) => !text(values, name))
            .map((name) => ({ field: name, message: sentence("required") }));
          if (!checkedBeforeSending(form, [...errors, ...check(request.schema, body)])) return;
          const message = await submitting(form, () => send(body, values));
          if (message) {
            flash(message, "success");
            navigate(here);
          }
        },
      },
      ...fields,
      reasonField(id),
      h("button", { type: "submit" }, button),
    )
  );
  return h("section", { class: "ops-action", id }, h("h2", { id: `${id}-title` }, title), form);
}

/** @param {FormData} values @param {string} name */
function text(values, name) {
  return String(values.get(name) || "").trim();
}

/** @type {View} */
export async function opsActionsView(container, { params, navigate }) {
  const [candidateId] = params;
  const here = `#/ops/candidates/${encodeURIComponent(candidateId)}/actions`;
  const base = `/ops/candidates/${encodeURIComponent(candidateId)}`;
  /** @param {string} certId */
  const certPath = (certId) => `${base}/certifications/${encodeURIComponent(certId)}`;
  const certHint = "The catalog id, for example ccna or ccnp-enterprise.";

  container.append(
    opsNav("#/ops/candidates"),
    heading(`Grants and corrections: ${candidateId}`),
    h("p", {}, h("a", { href: `#/ops/candidates/${encodeURIComponent(candidateId)}` }, "Back to the candidate")),
    actionForm(
      "grant",
      "Grant a certification",
      "Grant",
      [field("Certification", input("certification_id", { id: "grant-cert" }), { required: true, hint: certHint })],
      { schema: "GrantRequest", body: (values) => ({ certification_id: text(values, "certification_id"), reason: text(values, "reason") }) },
      async (body) => {
        const done = /** @type {OpsCertificationChange} */ (await api.post(`${base}/grants`, body));
        return `Granted ${done.certification_id}: active ${done.active_date} to ${done.expiration_date}.`;
      },
      navigate,
      here,
    ),
    actionForm(
      "revoke",
      "Revoke a certification",
      "Revoke",
      [field("Certification", input("cert_id", { id: "revoke-cert" }), { required: true, hint: certHint })],
      { schema: "ReasonRequest", body: (values) => ({ reason: text(values, "reason") }), path: ["cert_id"] },
      async (body, values) => {
        const done = /** @type {OpsCertificationChange} */ (await api.post(`${certPath(text(values, "cert_id"))}/revoke`, body));
        return `Revoked ${done.certification_id}.`;
      },
      navigate,
      here,
    ),
    actionForm(
      "extend",
      "Extend an expiration date",
      "Extend",
      [
        field("Certification", input("cert_id", { id: "extend-cert" }), { required: true, hint: certHint }),
        field("New expiration date", input("expires_on", { id: "extend-date", type: "date" }), { required: true }),
      ],
      {
        schema: "ExtendRequest",
        body: (values) => ({ expires_on: text(values, "expires_on"), reason: text(values, "reason") }),
        path: ["cert_id"],
      },
      async (body, values) => {
        const done = /** @type {OpsCertificationChange} */ (await api.post(`${certPath(text(values, "cert_id"))}/extend`, body));
        return `${done.certification_id} now expires on ${done.expiration_date}.`;
      },
      navigate,
      here,
    ),
    actionForm(
      "ce-add",
      "Add a CE credit",
      "Add credit",
      [
        field("Activity", input("activity_name", { id: "ce-activity", maxlength: 200 }), { required: true }),
        field("Provider", input("provider_name", { id: "ce-provider", maxlength: 200 }), { required: true }),
        field("Points", input("points", { id: "ce-points", inputmode: "decimal" }), { required: true }),
        field("Completed on", input("active_date", { id: "ce-date", type: "date" }), { required: true }),
        field("External id", input("external_id", { id: "ce-external", maxlength: 64 }), {
          hint: "Optional: the provider's id; one is made up when empty.",
        }),
      ],
      {
        schema: "CreditRequest",
        body: (values) => {
          const external = text(values, "external_id");
          return {
            activity_name: text(values, "activity_name"),
            provider_name: text(values, "provider_name"),
            points: text(values, "points") || undefined,
            active_date: text(values, "active_date"),
            ...(external ? { external_id: external } : {}),
            reason: text(values, "reason"),
          };
        },
      },
      async (body) => {
        const done = /** @type {OpsCreditChange} */ (await api.post(`${base}/ce-credits`, body));
        return `Added ${done.points} CE points (${done.activity_name}, id ${done.external_id}).`;
      },
      navigate,
      here,
    ),
    actionForm(
      "ce-void",
      "Void a CE credit",
      "Void credit",
      [field("External id", input("external_id", { id: "void-external", maxlength: 64 }), { required: true })],
      { schema: "ReasonRequest", body: (values) => ({ reason: text(values, "reason") }), path: ["external_id"] },
      async (body, values) => {
        const done = /** @type {OpsCreditChange} */ (
          await api.post(`${base}/ce-credits/${encodeURIComponent(text(values, "external_id"))}/void`, body)
        );
        return `Voided the CE credit ${done.external_id}.`;
      },
      navigate,
      here,
    ),
    actionForm(
      "name",
      "Correct the name",
      "Correct name",
      [
        field("First name", input("first_name", { id: "name-first", maxlength: 100 }), { required: true }),
        field("Last name", input("last_name", { id: "name-last", maxlength: 100 }), { required: true }),
      ],
      {
        schema: "NameRequest",
        body: (values) => ({ first_name: text(values, "first_name"), last_name: text(values, "last_name"), reason: text(values, "reason") }),
      },
      async (body) => {
        const done = /** @type {OpsNameChange} */ (await api.put(`${base}/name`, body));
        const reissued = done.reissued_certificates.length
          ? ` Certificates reissued: ${done.reissued_certificates.join(", ")}.`
          : "";
        return `The name is now ${done.first_name} ${done.last_name}.${reissued}`;
      },
      navigate,
      here,
    ),
  );
}

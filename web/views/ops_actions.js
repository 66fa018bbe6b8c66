// @ts-check
// Operators: grants and corrections on one candidate (#/ops/candidates/<id>/actions). Each form
// needs a reason (kept in the audit trail); a success flashes what changed and stays here, a
// refusal is shown next to the field it is about.
import { api } from "../api.js";
import { h, field } from "../dom.js";
import { heading, flash, submitting, checkedBeforeSending } from "../ui.js";
import { check, sentence } from "../validate.js";
import { opsNav } from "./ops_nav.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
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
  return field(t("ops.actions.reason"), /** @type {HTMLTextAreaElement} */ (control), { required: true });
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
  const certHint = t("ops.actions.certHint");
  const certLabel = t("ops.actions.certification");

  container.append(
    opsNav("#/ops/candidates"),
    heading(t("ops.actions.title", { id: candidateId })),
    h("p", {}, h("a", { href: `#/ops/candidates/${encodeURIComponent(candidateId)}` }, t("ops.actions.back"))),
    actionForm(
      "grant",
      t("ops.actions.grantTitle"),
      t("ops.actions.grant"),
      [field(certLabel, input("certification_id", { id: "grant-cert" }), { required: true, hint: certHint })],
      { schema: "GrantRequest", body: (values) => ({ certification_id: text(values, "certification_id"), reason: text(values, "reason") }) },
      async (body) => {
        const done = /** @type {OpsCertificationChange} */ (await api.post(`${base}/grants`, body));
        return t("ops.actions.granted", {
          cert: done.certification_id,
          from: fmt.date(done.active_date),
          to: fmt.date(done.expiration_date),
        });
      },
      navigate,
      here,
    ),
    actionForm(
      "revoke",
      t("ops.actions.revokeTitle"),
      t("ops.actions.revoke"),
      [field(certLabel, input("cert_id", { id: "revoke-cert" }), { required: true, hint: certHint })],
      { schema: "ReasonRequest", body: (values) => ({ reason: text(values, "reason") }), path: ["cert_id"] },
      async (body, values) => {
        const done = /** @type {OpsCertificationChange} */ (await api.post(`${certPath(text(values, "cert_id"))}/revoke`, body));
        return t("ops.actions.revoked", { cert: done.certification_id });
      },
      navigate,
      here,
    ),
    actionForm(
      "extend",
      t("ops.actions.extendTitle"),
      t("ops.actions.extend"),
      [
        field(certLabel, input("cert_id", { id: "extend-cert" }), { required: true, hint: certHint }),
        field(t("ops.actions.newExpiration"), input("expires_on", { id: "extend-date", type: "date" }), { required: true }),
      ],
      {
        schema: "ExtendRequest",
        body: (values) => ({ expires_on: text(values, "expires_on"), reason: text(values, "reason") }),
        path: ["cert_id"],
      },
      async (body, values) => {
        const done = /** @type {OpsCertificationChange} */ (await api.post(`${certPath(text(values, "cert_id"))}/extend`, body));
        return t("ops.actions.extended", { cert: done.certification_id, date: fmt.date(done.expiration_date) });
      },
      navigate,
      here,
    ),
    actionForm(
      "ce-add",
      t("ops.actions.addTitle"),
      t("ops.actions.add"),
      [
        field(t("ops.actions.activity"), input("activity_name", { id: "ce-activity", maxlength: 200 }), { required: true }),
        field(t("ops.actions.provider"), input("provider_name", { id: "ce-provider", maxlength: 200 }), { required: true }),
        field(t("ops.actions.points"), input("points", { id: "ce-points", inputmode: "decimal" }), { required: true }),
        field(t("ops.actions.completedOn"), input("active_date", { id: "ce-date", type: "date" }), { required: true }),
        field(t("ops.actions.externalId"), input("external_id", { id: "ce-external", maxlength: 64 }), {
          hint: t("ops.actions.externalHint"),
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
        return t("ops.actions.added", {
          points: fmt.number(done.points),
          activity: done.activity_name,
          id: done.external_id,
        });
      },
      navigate,
      here,
    ),
    actionForm(
      "ce-void",
      t("ops.actions.voidTitle"),
      t("ops.actions.void"),
      [field(t("ops.actions.externalId"), input("external_id", { id: "void-external", maxlength: 64 }), { required: true })],
      { schema: "ReasonRequest", body: (values) => ({ reason: text(values, "reason") }), path: ["external_id"] },
      async (body, values) => {
        const done = /** @type {OpsCreditChange} */ (
          await api.post(`${base}/ce-credits/${encodeURIComponent(text(values, "external_id"))}/void`, body)
        );
        return t("ops.actions.voided", { id: done.external_id });
      },
      navigate,
      here,
    ),
    actionForm(
      "name",
      t("ops.actions.nameTitle"),
      t("ops.actions.name"),
      [
        field(t("ops.actions.firstName"), input("first_name", { id: "name-first", maxlength: 100 }), { required: true }),
        field(t("ops.actions.lastName"), input("last_name", { id: "name-last", maxlength: 100 }), { required: true }),
      ],
      {
        schema: "NameRequest",
        body: (values) => ({ first_name: text(values, "first_name"), last_name: text(values, "last_name"), reason: text(values, "reason") }),
      },
      async (body) => {
        const done = /** @type {OpsNameChange} */ (await api.put(`${base}/name`, body));
        const renamed = t("ops.actions.renamed", { first: done.first_name, last: done.last_name });
        return done.reissued_certificates.length
          ? `${renamed} ${t("ops.actions.reissued", { certs: done.reissued_certificates.join(t("ops.actions.listSeparator")) })}`
          : renamed;
      },
      navigate,
      here,
    ),
  );
}

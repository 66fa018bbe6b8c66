// @ts-check
// The codes the support-case and lookup screens both show, in words of the page's language: why a
// case was opened, and a certification's status (the candidate screens' words, "status.<code>").
import * as fmt from "../format.js";
import { t } from "../i18n.js";

const REASONS = ["duplicate_email", "mapping_disputed"];
const CERT_STATUSES = ["in_progress", "active", "expired", "revoked", "inactive"];

/** @param {string} reason a support case's reason code */
export const reasonText = (reason) =>
  REASONS.includes(reason) ? t(`ops.cases.reason.${reason}`) : fmt.titleCase(reason.replaceAll("_", " "));

/** @param {unknown} status a certification's status code */
export const certStatus = (status) => (CERT_STATUSES.includes(String(status)) ? t(`status.${status}`) : fmt.titleCase(status));

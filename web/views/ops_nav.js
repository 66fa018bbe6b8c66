// @ts-check
// The operator console's own navigation, above every operator screen.
import { subnav } from "../ui.js";
import { t } from "../i18n.js";

/** @type {[string, string][]} [href, message key]: every operator screen, in the order staff use them */
export const OPS_SECTIONS = [
  ["#/ops/candidates", "ops.nav.candidates"],
  ["#/ops/cases", "ops.nav.cases"],
  ["#/ops/imports", "ops.nav.imports"],
  ["#/ops/kits", "ops.nav.kits"],
  ["#/ops/audit", "ops.nav.audit"],
];

/**
 * The console's navigation with `current` (one of OPS_SECTIONS' hrefs) marked as the current page.
 * @param {string} current
 */
export function opsNav(current) {
  return subnav(
    t("app.operatorConsole"),
    OPS_SECTIONS.map(([href, key]) => [href, t(key)]),
    current.slice(1),
  );
}

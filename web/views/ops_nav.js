// @ts-check
// The operator console's own navigation, above every operator screen.
import { subnav } from "../ui.js";

/** @type {[string, string][]} [href, label]: every operator screen, in the order staff use them */
export const OPS_SECTIONS = [
  ["#/ops/candidates", "Candidates"],
  ["#/ops/cases", "Support cases"],
  ["#/ops/imports", "Imports"],
  ["#/ops/kits", "Kits"],
  ["#/ops/audit", "Audit"],
];

/**
 * The console's navigation with `current` (one of OPS_SECTIONS' hrefs) marked as the current page.
 * @param {string} current
 */
export function opsNav(current) {
  return subnav("Operator console", OPS_SECTIONS, current.slice(1));
}

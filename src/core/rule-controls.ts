import type { RuleId } from './rule-catalog.js';

/**
 * For each rule, the controls whose operation its results are evidence supporting: a run that applied the rule
 * shows the control being exercised. This is never a claim of compliance with any of them: an auditor judges
 * that, from this and much else. Partial so a rule added elsewhere does not break the build; a unit test holds
 * every rule of RULE_IDS to an entry (an empty list is an answer: the rule supports no control).
 */
export const RULE_CONTROLS: Readonly<Partial<Record<RuleId, readonly string[]>>> = {
  'never-expiring-admin': ['SOC 2 CC6.1', 'SOC 2 CC6.3', 'ISO/IEC 27001:2022 A.5.18', 'ISO/IEC 27001:2022 A.8.5', 'CIS: keys rotated'],
  'never-expiring': ['SOC 2 CC6.1', 'ISO/IEC 27001:2022 A.5.17', 'ISO/IEC 27001:2022 A.8.5', 'CIS: keys rotated'],
  stale: ['SOC 2 CC6.2', 'SOC 2 CC6.3', 'ISO/IEC 27001:2022 A.5.18', 'CIS: unused credentials disabled'],
  'never-used': ['SOC 2 CC6.2', 'ISO/IEC 27001:2022 A.5.18', 'CIS: unused credentials disabled'],
  'lifetime-too-long': ['SOC 2 CC6.1', 'ISO/IEC 27001:2022 A.5.17', 'CIS: keys rotated'],
  'expiring-soon': ['ISO/IEC 27001:2022 A.5.17', 'CIS: keys rotated'],
  orphaned: ['SOC 2 CC6.2', 'SOC 2 CC6.3', 'ISO/IEC 27001:2022 A.5.16', 'ISO/IEC 27001:2022 A.5.18'],
  'token-gone': ['ISO/IEC 27001:2022 A.5.15', 'ISO/IEC 27001:2022 A.5.16'],
  'not-in-inventory': ['SOC 2 CC6.1', 'ISO/IEC 27001:2022 A.5.15', 'ISO/IEC 27001:2022 A.5.16'],
  // The people behind the tokens: access removed when a person leaves, is disabled or loses a role.
  'issuer-left': ['SOC 2 CC6.2', 'SOC 2 CC6.3', 'ISO/IEC 27001:2022 A.5.16', 'ISO/IEC 27001:2022 A.5.18', 'CIS: access revoked on termination'],
  'issuer-deleted': ['SOC 2 CC6.2', 'SOC 2 CC6.3', 'ISO/IEC 27001:2022 A.5.16', 'ISO/IEC 27001:2022 A.5.18'],
  'issuer-inactive': ['SOC 2 CC6.2', 'ISO/IEC 27001:2022 A.5.18'],
  'issuer-dormant': ['SOC 2 CC6.2', 'ISO/IEC 27001:2022 A.5.18', 'CIS: unused credentials disabled'],
  'issuer-role-dropped': ['SOC 2 CC6.3', 'ISO/IEC 27001:2022 A.5.15', 'ISO/IEC 27001:2022 A.5.18'],
  // About the audit itself, not a token: they bound what the other evidence covers.
  'audit-failed': [],
  'coverage-gap': [],
  'slack-route-failing': [],
};

/** What the manifest says of the controls, in the words it must use. */
export const CONTROLS_NOTE =
  'Evidence supporting the controls listed for each rule; not a claim of compliance with them.';

/** Each rule with its controls, in RULE_IDS order; a rule without an entry supports none. */
export function ruleControls(rules: readonly RuleId[]): { rule: RuleId; controls: readonly string[] }[] {
  return rules.map((rule) => ({ rule, controls: RULE_CONTROLS[rule] ?? [] }));
}

/**
 * Runs axe-core (the accessibility engine) inside a page or frame and keeps what it finds, so
 * one file summarises every surface tested (test-results/a11y.json).
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Frame, Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const AXE_VERSION = (require('axe-core/package.json') as { version: string }).version;

export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  nodes: string[];
}
export interface AxeReport {
  surface: string;
  passes: number;
  violations: AxeViolation[];
}

/** WCAG 2.1 A and AA rules plus axe's best practices; `include` narrows to one part of a page. */
export async function runAxe(target: Page | Frame, surface: string, include?: string): Promise<AxeReport> {
  // Evaluated over the debugging protocol, so the extension pages' CSP does not apply.
  await target.evaluate(`${AXE_SOURCE};0`);
  const result = await target.evaluate(async (include) => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<any> } }).axe;
    const r = await axe.run(include ? { include: [include] } : document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return {
      passes: r.passes.length as number,
      violations: (r.violations as any[]).map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n: any) => String(n.target.join(' '))) })),
    };
  }, include ?? null);
  return { surface, ...result };
}

export const serious = (r: AxeReport): AxeViolation[] => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');

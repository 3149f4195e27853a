import type { AuditReport } from '@byok-billing/core';
import { computeAudit } from '../audit/computeAudit.js';
import { auditAsJson, formatAudit } from '../output/auditFormats.js';
import type { ProgramIO } from '../programIO.js';
import { writingInPlace } from '../io/outputFiles.js';
import type { BundleLayout } from './bundleManifest.js';

export interface RecordedRun {
  readonly report: AuditReport;
  /** The report in the bundle's format: what `--out` of the canonical command writes. */
  readonly reportText: string;
  /** The same report as JSON, when the bundle's format is another. */
  readonly reportJson: string | null;
}

/** No progress, no warnings: a re-run is judged by its outputs alone. */
const SILENT: ProgramIO = { stdout: () => {}, stderr: () => {}, stdoutIsTTY: false, stderrIsTTY: false };

/**
 * Runs a bundle's canonical command (see canonicalCommand) on the files under `root`:
 * every input is read from the bundle by its bundle name, so the report names them as
 * the bundle does, wherever the bundle is. The rejects go to `rejectsTo` (never into a
 * bundle being verified).
 */
export async function runRecorded(root: string, layout: BundleLayout, rejectsTo: string | undefined, threads?: string): Promise<RecordedRun> {
  const { inputs, options: o } = layout;
  // The bundle's staging directory is renamed into place as a whole (writeBundle.ts), and its
  // rejects file is hashed as soon as the audit ends: it is written in place.
  const report = await writingInPlace(() => computeAudit(
    inputs.logs,
    {
      baseDir: root,
      policy: inputs.policy ?? undefined,
      accounts: inputs.accounts ?? undefined,
      invoice: inputs.invoice ?? undefined,
      inputTimezone: o.inputTimezone ?? undefined,
      reorderWindow: o.reorderWindow,
      sort: o.sort,
      tolerance: o.tolerance ?? undefined,
      perRequest: o.perRequest,
      rejects: layout.outputs.rejects === null ? undefined : rejectsTo,
      threads,
      quiet: true,
    },
    SILENT,
  ));
  return {
    report,
    reportText: formatAudit(report, o.format),
    reportJson: o.format === 'json' ? null : auditAsJson(report),
  };
}

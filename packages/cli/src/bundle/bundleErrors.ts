import { UsageError } from '../exitCodes.js';

/**
 * Why an audit bundle could not be written or checked (exit code 2). A bundle that can be
 * read but does not reproduce is not an error: `byok verify` refutes it (exit code 1).
 */
export type BundleErrorCode =
  /** `--bundle` names something that exists and is not a directory. */
  | 'BUNDLE_TARGET_NOT_DIRECTORY'
  /** `--bundle` names a directory that already holds files (a bundle is never merged into one). */
  | 'BUNDLE_TARGET_NOT_EMPTY'
  /** `--out`, `--details` or `--rejects` would write inside the bundle being made. */
  | 'BUNDLE_OUTPUT_INSIDE'
  /** An input is standard input, which a bundle cannot hold a copy of to re-read. */
  | 'BUNDLE_STDIN'
  /** A file or directory could not be read, listed or written. */
  | 'BUNDLE_IO'
  /** An input changed while the audit ran: the copy in the bundle gives another report. */
  | 'BUNDLE_INPUT_CHANGED'
  /** The directory holds no bundle manifest, or one of an unknown format. */
  | 'BUNDLE_NOT_A_BUNDLE'
  /** The manifest has the bundle's format but a member missing, unknown or of the wrong type. */
  | 'BUNDLE_BAD_MANIFEST'
  /** The manifest names a path that is absolute, climbs out of the bundle, or is not a bundle file name. */
  | 'BUNDLE_PATH_OUTSIDE'
  /** The bundle holds a symbolic link, a device, a pipe or a socket: only plain files and directories. */
  | 'BUNDLE_NOT_PLAIN_FILE'
  /** A file the manifest lists is not in the bundle. */
  | 'BUNDLE_FILE_MISSING';

/** An audit bundle refused (exit code 2); the message names the path. */
export class BundleError extends UsageError {
  readonly bundleCode: BundleErrorCode;
  readonly path: string;

  constructor(bundleCode: BundleErrorCode, path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'BundleError';
    this.bundleCode = bundleCode;
    this.path = path;
  }
}

/** An operating-system failure on `path` (ENOENT, EACCES, ENOSPC, …) as a bundle error naming it. */
export function bundleIoError(path: string, action: string, error: unknown): BundleError {
  if (error instanceof BundleError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new BundleError('BUNDLE_IO', path, `cannot be ${action} (${code})`);
}

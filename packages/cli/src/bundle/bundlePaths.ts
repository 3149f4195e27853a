import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { BundleError } from './bundleErrors.js';

/**
 * A file name inside a bundle, as its manifest writes it: relative, `/`-separated, each
 * part of letters, digits, `.`, `_` and `-` and starting with a letter, digit or `_`. That
 * leaves out by construction what could reach outside the bundle or mean something else:
 * absolute paths, `..` and `.`, backslashes and drive letters, hidden names, and names a
 * shell or commander would read as an option (a leading `-`).
 */
const NAME_PART = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const MAX_NAME = 200;

export function isBundleName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_NAME) return false;
  return name.split('/').every((part) => NAME_PART.test(part));
}

/** Refuses (exit code 2) a manifest path that is not a bundle file name; `what` says which member names it. */
export function checkBundleName(name: string, what: string, manifestPath: string): void {
  if (!isBundleName(name)) {
    throw new BundleError(
      'BUNDLE_PATH_OUTSIDE',
      manifestPath,
      `${what} names ${JSON.stringify(name)}, which is not a file inside the bundle (a bundle reads only the files it holds: relative names of letters, digits, ".", "_" and "-", no "..", no absolute paths)`,
    );
  }
}

/** Where a bundle name lives under `root`; the name was checked, this only makes sure again. */
export function bundlePath(root: string, name: string): string {
  const path = join(root, ...name.split('/'));
  const inside = relative(resolve(root), resolve(path));
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new BundleError('BUNDLE_PATH_OUTSIDE', path, 'is outside the bundle');
  }
  return path;
}

/**
 * The name a copy of `original` gets in the bundle: its base name with anything outside
 * the bundle-name alphabet replaced by `_`. The ending is kept, since it says how the file
 * is read (`.gz` logs are decompressed); the start is cut when the name is too long.
 */
export function safeFileName(original: string): string {
  let name = basename(original).replace(/[^A-Za-z0-9._-]/g, '_');
  if (!/^[A-Za-z0-9_]/.test(name)) name = `_${name}`;
  return name.length > 100 ? name.slice(name.length - 100).replace(/^[^A-Za-z0-9_]/, '_') : name;
}

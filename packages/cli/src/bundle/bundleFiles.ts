import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BundleError, bundleIoError } from './bundleErrors.js';

const CHUNK = 1 << 20;

/** SHA-256 of a file's bytes, read a chunk at a time (logs can be far larger than memory). */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    for (let n = readSync(fd, buffer, 0, CHUNK, null); n > 0; n = readSync(fd, buffer, 0, CHUNK, null)) hash.update(buffer.subarray(0, n));
  } catch (error) {
    throw bundleIoError(path, 'read', error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return hash.digest('hex');
}

export type EntryKind = 'file' | 'directory';

/**
 * Every entry under a bundle directory, by its bundle name (`logs/1-requests.csv`). A
 * symbolic link (wherever it points), a pipe, a socket or a device is refused before any
 * file is read: a link could make the bundle read a file outside it, a pipe could hang the
 * read, and the writer never makes either.
 */
export function listBundle(root: string): Map<string, EntryKind> {
  const entries = new Map<string, EntryKind>();
  const walk = (dir: string, prefix: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (error) {
      throw bundleIoError(dir, 'listed', error);
    }
    for (const name of names.sort()) {
      const path = join(dir, name);
      const kind = entryKind(path);
      entries.set(`${prefix}${name}`, kind);
      if (kind === 'directory') walk(path, `${prefix}${name}/`);
    }
  };
  walk(root, '');
  return entries;
}

function entryKind(path: string): EntryKind {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    throw bundleIoError(path, 'read', error);
  }
  if (stat.isFile()) return 'file';
  if (stat.isDirectory()) return 'directory';
  const what = stat.isSymbolicLink() ? 'a symbolic link' : 'not a plain file (a pipe, socket or device)';
  throw new BundleError('BUNDLE_NOT_PLAIN_FILE', path, `is ${what}; a bundle holds plain files only, so that it reads nothing from outside itself`);
}

import { type Stats, realpathSync, statSync } from 'node:fs';
import { basename, dirname, resolve, sep } from 'node:path';
import { UsageError } from '../exitCodes.js';

/** A path given on the command line, with the flag (or argument) that named it. */
export interface NamedPath {
  readonly flag: string;
  readonly path: string;
}

/** Options that name a file a command writes. */
const FILE_OUTPUTS: Readonly<Record<string, string>> = {
  out: '--out',
  details: '--details',
  rejects: '--rejects',
  chargedLog: '--charged-log',
  html: '--html',
  planted: '--planted',
  events: '--events',
};
/** Options that name a directory a command writes files into. */
const DIRECTORY_OUTPUTS: Readonly<Record<string, string>> = { savePolicies: '--save-policies' };
/** Options that name a file a command reads (besides its positional arguments). */
const FILE_INPUTS: Readonly<Record<string, string>> = { policy: '--policy', accounts: '--accounts', invoice: '--invoice', billedFrom: '--billed-from' };

/**
 * Checks a command's outputs before it does any work: writing an input empties it before
 * it is read (a bill of an empty log, exit 0), and an output that cannot be created
 * should not cost a whole replay first.
 */
export function checkCommandOutputs(args: readonly string[], options: Readonly<Record<string, unknown>>): void {
  const baseDir = typeof options.baseDir === 'string' ? options.baseDir : undefined;
  const inputs: NamedPath[] = [...args.map((path) => ({ flag: 'argument', path })), ...namedPaths(options, FILE_INPUTS).map(policyFile)];
  // An output inside `audit --bundle DIR` is refused by the bundle's own check, with its reason.
  const bundle = typeof options.bundle === 'string' ? resolve(options.bundle) + sep : undefined;
  const files = namedPaths(options, FILE_OUTPUTS).filter((o) => o.path !== '-' && (bundle === undefined || !resolve(o.path).startsWith(bundle)));
  for (const output of files) checkFileOutput(output);
  for (const output of namedPaths(options, DIRECTORY_OUTPUTS)) checkDirectoryOutput(output);
  files.forEach((output, i) => {
    for (const input of inputs) {
      if (input.path !== '-' && sameFile(output.path, resolve(baseDir ?? '.', input.path))) {
        throw new UsageError(`${output.flag} ${output.path} is also an input (${input.flag === 'argument' ? input.path : `${input.flag} ${input.path}`}); refusing to overwrite it`);
      }
    }
    const twin = files.slice(i + 1).find((other) => sameFile(output.path, other.path));
    if (twin !== undefined) throw new UsageError(`${output.flag} ${output.path} and ${twin.flag} ${twin.path} name the same file`);
  });
}

function namedPaths(options: Readonly<Record<string, unknown>>, names: Readonly<Record<string, string>>): NamedPath[] {
  const found: NamedPath[] = [];
  for (const [key, flag] of Object.entries(names)) {
    const value = options[key];
    for (const path of Array.isArray(value) ? value : [value]) if (typeof path === 'string' && path !== '') found.push({ flag, path });
  }
  return found;
}

/** whatif's `--policy name=file` names its file after the `=`. */
function policyFile(input: NamedPath): NamedPath {
  const at = input.path.indexOf('=');
  return input.flag === '--policy' && at > 0 && statOf(input.path) === undefined ? { flag: input.flag, path: input.path.slice(at + 1) } : input;
}

function checkFileOutput({ flag, path }: NamedPath): void {
  const stat = statOf(path);
  if (stat?.isDirectory()) throw new UsageError(`${flag} ${path}: cannot write a file there, it is a directory`);
  if (stat === undefined && !statOf(dirname(resolve(path)))?.isDirectory()) {
    throw new UsageError(`${flag} ${path}: cannot write there, directory ${dirname(path)} does not exist`);
  }
}

function checkDirectoryOutput({ flag, path }: NamedPath): void {
  const stat = statOf(path);
  if (stat !== undefined && !stat.isDirectory()) throw new UsageError(`${flag} ${path}: exists and is not a directory`);
}

/** Whether two paths name one file: by device and inode when both exist, else by real path. */
function sameFile(a: string, b: string): boolean {
  const sa = statOf(a);
  const sb = statOf(b);
  // Devices and pipes (/dev/null twice, /dev/stdout) are not overwritten by writing them.
  if (sa !== undefined && sb !== undefined) return sa.isFile() && sb.isFile() && sa.dev === sb.dev && sa.ino === sb.ino;
  return realPath(a) === realPath(b);
}

/** The real path of a file that may not exist yet: its directory's real path and its name. */
function realPath(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    try {
      return resolve(realpathSync(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

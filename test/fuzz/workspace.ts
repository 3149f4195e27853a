import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * Where a fuzz case's files live. Each case gets three fresh directories: `in` (its
 * inputs), `out` (the outputs it names, and nothing else, so anything else found there
 * afterwards was left behind by the run) and `store` (a meter's SQLite file, which is
 * written in place by design and so kept out of `out`).
 *
 * The process's temporary directory is pointed at a private one while the suite runs
 * (os.tmpdir() reads TMPDIR on every call, and the CLI asks it at run time for its spill
 * files, sort runs, id partitions, DuckDB's working directory and standard input's copy):
 * what a finished run leaves there was leaked.
 */
export class FuzzWorkspace {
  readonly root: string;
  readonly tmp: string;
  private cases = 0;
  private savedTmpdir: string | undefined;

  constructor(name: string) {
    this.root = mkdtempSync(join(tmpdir(), `byok-fuzz-${name}-`));
    this.tmp = join(this.root, 'tmp');
    mkdirSync(this.tmp);
  }

  /** Makes the CLI's temporary files go to `tmp` (call in beforeAll; `restore` in afterAll). */
  useAsTmpdir(): void {
    this.savedTmpdir = process.env.TMPDIR;
    process.env.TMPDIR = this.tmp;
  }

  restore(): void {
    if (this.savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = this.savedTmpdir;
    rmSync(this.root, { recursive: true, force: true });
  }

  newCase(): FuzzCase {
    const dir = join(this.root, `case-${++this.cases}`);
    const c = new FuzzCase(dir);
    mkdirSync(c.inDir, { recursive: true });
    mkdirSync(c.outDir, { recursive: true });
    mkdirSync(c.storeDir, { recursive: true });
    return c;
  }

  /** What is left in the private temporary directory (empty after every run). */
  tmpLeftovers(): string[] {
    return readdirSync(this.tmp);
  }

  clearTmp(): void {
    for (const name of readdirSync(this.tmp)) rmSync(join(this.tmp, name), { recursive: true, force: true });
  }
}

export class FuzzCase {
  readonly inDir: string;
  readonly outDir: string;
  readonly storeDir: string;
  private files = 0;

  constructor(readonly dir: string) {
    this.inDir = join(dir, 'in');
    this.outDir = join(dir, 'out');
    this.storeDir = join(dir, 'store');
  }

  /** Writes an input; `name` keeps its extension (`.csv.gz`, `.jsonl`), numbered so no name is a prefix of another. */
  input(name: string, bytes: Uint8Array | string): string {
    const path = join(this.inDir, `${++this.files}-${name}`);
    writeFileSync(path, bytes);
    return path;
  }

  out(name: string): string {
    return join(this.outDir, name);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

import { describe, expect, it } from 'vitest';
import { EXIT_BAD_INPUT, VERSION, run } from '@byok-billing/cli';

async function runCli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('byok program', () => {
  it('--help prints usage and the exit codes, exit 0', async () => {
    const { code, stdout, stderr } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: byok/);
    expect(stdout).toContain('Exit codes: 0 success, 1 an audit found discrepancies (or adjust wrote notes), 2 bad usage or bad input.');
    expect(stderr).toBe('');
  });

  it('--version prints the package version', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(VERSION);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown option is bad usage: exit 2 with a message on stderr', async () => {
    const { code, stdout, stderr } = await runCli(['--no-such-option']);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stdout).toBe('');
    expect(stderr).toContain("unknown option '--no-such-option'");
  });
});

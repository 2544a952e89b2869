import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The CI step `.ci/check-dependencies.mjs`, run as CI runs it, on this
 * repository's package.json and lockfile and on saved `npm audit --json`
 * reports, since the registry here cannot answer an audit itself.
 */

const SCRIPT = fileURLToPath(new URL('../.ci/check-dependencies.mjs', import.meta.url));

function run(
  reportPath: string,
  env: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SCRIPT, '--report', reportPath],
      { env: { ...process.env, AUDIT_REQUIRED: '', ...env } },
      (error, stdout) => resolve({ code: error === null ? 0 : Number(error.code), output: stdout }),
    );
  });
}

const report = (vulnerabilities: Record<string, { severity: string; range: string }>): unknown => {
  const counts = { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0 };
  for (const { severity } of Object.values(vulnerabilities)) {
    counts[severity as keyof typeof counts] += 1;
    counts.total += 1;
  }
  return { auditReportVersion: 2, vulnerabilities, metadata: { vulnerabilities: counts } };
};

describe('the CI dependency check', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'check-dependencies-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function saved(name: string, content: unknown): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  it('finds every dependency of this repository pinned, with a hash', async () => {
    const { output } = await run(await saved('clean.json', report({})));

    expect(output).toMatch(/^pinned: \d+ packages, each at an exact version with a sha512 hash$/m);
  });

  it('passes an audit with only low and moderate findings', async () => {
    const { code, output } = await run(
      await saved('low.json', report({ debug: { severity: 'low', range: '<2.6.9' } })),
    );

    expect(code).toBe(0);
    expect(output).toContain('0 critical, 0 high, 0 moderate, 1 low');
  });

  it.each(['high', 'critical'])(
    'fails an audit with a %s finding and names the package',
    async (severity) => {
      const { code, output } = await run(
        await saved(`${severity}.json`, report({ 'fast-redact': { severity, range: '<=3.5.0' } })),
      );

      expect(code).toBe(1);
      expect(output).toContain(`fast-redact (${severity}, <=3.5.0)`);
    },
  );

  it('says plainly, without failing, that a registry refusing the audit endpoint checked nothing', async () => {
    const refusal = {
      message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      statusCode: 405,
    };

    const { code, output } = await run(await saved('refused.json', refusal));

    expect(code).toBe(0);
    expect(output).toContain('npm audit could not run: the registry answered 405 Method Not Allowed');
    expect(output).toContain('says nothing about known vulnerabilities');
  });

  it('fails on a refused audit when AUDIT_REQUIRED=true', async () => {
    const { code } = await run(await saved('refused-strict.json', { statusCode: 405 }), {
      AUDIT_REQUIRED: 'true',
    });

    expect(code).toBe(1);
  });
});

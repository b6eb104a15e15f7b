import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadSpecFile, MAX_ISSUES, MAX_SPEC_BYTES, parseSpec } from './load.js';
import { localPlatform } from './test-helpers.js';

const HEADER = 'apiVersion: chimera.dev/v1\nkind: Canary\n';

function problems(text: string, file = 'chimera.yaml'): ConfigError {
  try {
    parseSpec(text, file);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** `line:column path message` for compact assertions. */
function lines(err: ConfigError): string[] {
  return err.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);
}

describe('parseSpec: positions', () => {
  it('points at a nested value, a sequence item and an unknown key', () => {
    const text = [
      HEADER.trimEnd(), // lines 1–2
      'metadata:', // 3
      '  name: checkout', // 4
      'spec:', // 5
      '  platform:', // 6
      '    kind: local', // 7
      '    command: [node, server.js]', // 8
      '  strategy:', // 9
      '    steps:', // 10
      '      - 5', // 11
      '      - 10', // 12
      '      - 150%', // 13
      '    stepWieght: 10', // 14
      '    interval: soon', // 15
    ].join('\n');
    const err = problems(text);
    expect(err.file).toBe('chimera.yaml');
    expect(lines(err)).toEqual([
      "13:9 spec.strategy.steps[2]: must be above 0% and at most 100%, got '150%'",
      "14:5 spec.strategy.stepWieght: unknown field 'stepWieght' (did you mean 'stepWeight'?)",
      "15:15 spec.strategy.interval: expected a duration like 30s, 500ms or 2m, got 'soon'",
    ]);
  });

  it('points at items of flow sequences and values of flow maps', () => {
    const text = `${HEADER}metadata: {name: checkout}\nspec:\n  platform: {kind: dockr, command: x}\n  strategy: {steps: [5, 0, 50]}\n`;
    expect(lines(problems(text))).toEqual([
      expect.stringMatching(/^5:20 spec.platform.kind: unknown platform kind 'dockr'.*; valid kinds: .*local/),
      '6:25 spec.strategy.steps[1]: must be above 0% and at most 100%, got 0',
    ]);
  });

  it('points a missing field at the key of the map that lacks it', () => {
    const text = `${HEADER}metadata:\n  name: checkout\nspec:\n  platform:\n    kind: local\n    replicas: 2\n`;
    expect(lines(problems(text))).toEqual(["6:3 spec.platform.command: missing required field 'command'"]);
  });

  it('points an empty value at its key', () => {
    const text = `${HEADER}metadata:\n  name: checkout\nspec:\n  platform:\n`;
    expect(lines(problems(text))).toEqual(['6:3 spec.platform: expected object, got null (an empty value)']);
  });

  it('follows aliases to the anchored node', () => {
    const text = `${HEADER}metadata: {name: checkout}\nx-common: &p\n  kind: local\n  replicas: 99\nspec:\n  platform: *p\n`;
    const err = problems(text);
    expect(lines(err)).toContain("4:1 x-common: unknown field 'x-common'");
    expect(lines(err)).toContain('6:13 spec.platform.replicas: must be at most 20, got 99');
  });
});

describe('parseSpec: several problems and documents', () => {
  it('reports every problem of every document, in file order', () => {
    const text = [
      `${HEADER}metadata: {name: one}\nspec:\n  platform: {kind: local, command: x, replicas: 0}\n`,
      `${HEADER}metadata: {name: Two}\nspec:\n  platform: {kind: local, command: x}\n  analysis: {alpha: 2}\n`,
    ].join('---\n');
    expect(lines(problems(text))).toEqual([
      '5:49 spec.platform.replicas: must be at least 1, got 0',
      '9:18 metadata.name: a name is lowercase letters, digits and dashes, starting and ending with a letter or digit',
      '12:21 spec.analysis.alpha: must be less than 0.5, got 2',
    ]);
  });

  it('reads several valid documents and skips empty ones', () => {
    const one = `${HEADER}metadata: {name: one}\nspec: {platform: {kind: local, command: x}}\n`;
    const two = one
      .replace('name: one', 'name: two')
      .replace('command: x}', 'command: x}, router: {kind: builtin-proxy, listen: 127.0.0.1:0, admin: 127.0.0.1:0}');
    const specs = parseSpec(`---\n${one}---\n# nothing here\n---\n${two}`, '/srv/app/chimera.yaml');
    expect(specs.map((s) => s.spec.metadata.name)).toEqual(['one', 'two']);
    expect(specs[0]?.dir).toBe('/srv/app');
    expect(localPlatform(specs[0]?.spec).cwd).toBe('/srv/app');
  });

  it('rejects a duplicate service name, saying where the first one is', () => {
    const one = `${HEADER}metadata: {name: one}\nspec: {platform: {kind: local, command: x}}\n`;
    expect(lines(problems(`${one}---\n${one}`))).toEqual([
      "8:18 metadata.name: duplicate service name 'one' (first at line 3)",
    ]);
  });

  it('rejects two services, or listen and admin of one, binding the same address', () => {
    const spec = (name: string, router: string) =>
      `${HEADER}metadata: {name: ${name}}\nspec:\n  platform: {kind: local, command: x}\n  router: ${router}\n`;
    const text = [
      spec('one', '{kind: builtin-proxy, listen: 127.0.0.1:8080, admin: 127.0.0.1:8081}'),
      spec('two', '{kind: builtin-proxy, listen: 127.0.0.1:8080, admin: 127.0.0.1:8082}'),
      spec('three', '{kind: builtin-proxy, listen: 127.0.0.1:0, admin: 127.0.0.1:8083}'),
      spec('four', '{kind: builtin-proxy, listen: 127.0.0.1:0, admin: 127.0.0.1:0}'),
      spec('five', '{kind: builtin-proxy, listen: 127.0.0.1:9000, admin: 127.0.0.1:9000}'),
    ].join('---\n');
    expect(lines(problems(text))).toEqual([
      "13:41 spec.router.listen: address 127.0.0.1:8080 is already used by service 'one' (line 6)",
      '34:64 spec.router.admin: address 127.0.0.1:9000 is already used by this service (line 34)',
    ]);
  });

  it('reports YAML syntax errors with their position and validates the other documents', () => {
    const good = `${HEADER}metadata: {name: one}\nspec: {platform: {kind: local, command: x, replicas: 0}}\n`;
    const err = problems(`key: [1, 2\nother: 3\n---\n${good}`);
    expect(err.issues[0]).toMatchObject({ path: '', line: 2 });
    expect(err.issues.at(-1)).toMatchObject({ path: 'spec.platform.replicas', line: 7 });
  });

  it('rejects duplicate keys and tabs as YAML errors', () => {
    expect(lines(problems(`${HEADER}kind: Canary\n`))[0]).toMatch(/^3:1 : Map keys must be unique/);
    expect(problems('\tkind: Canary\n').issues[0]?.line).toBe(1);
  });

  it('rejects an empty file', () => {
    expect(lines(problems(''))).toEqual(['1:1 : no Canary document found (the file is empty)']);
    expect(lines(problems('# only a comment\n'))).toHaveLength(1);
  });

  it('rejects alias bombs instead of expanding them', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 12; i++)
      text += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    expect(problems(text).issues[0]?.message).toMatch(/alias/i);
  });

  it('reports at most MAX_ISSUES problems with positions, then a count', () => {
    const many = Array.from({ length: 250 }, (_, i) => `  extra${i}: 1`).join('\n');
    const err = problems(`${HEADER}metadata: {name: one}\nspec:\n  platform: {kind: local, command: x}\n${many}\n`);
    expect(err.issues).toHaveLength(MAX_ISSUES + 1);
    expect(err.issues.at(-1)?.message).toBe('150 more problem(s) not shown');
    expect(err.message).toBe('chimera.yaml: 250 problems');
  });

  it('shortens long values quoted in messages', () => {
    const err = problems(
      `${HEADER}metadata: {name: one}\nspec:\n  platform: {kind: local, command: x}\n  strategy: {interval: ${'x'.repeat(5000)}}\n`,
    );
    expect(err.issues[0]?.message.length).toBeLessThan(200);
  });

  it('rejects input over the size limit', () => {
    const err = problems('#'.repeat(MAX_SPEC_BYTES + 1));
    expect(err.message).toContain('limit is 1048576 bytes');
  });
});

describe('loadSpecFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chimera-spec-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file and resolves cwd against its folder', async () => {
    const file = join(dir, 'chimera.yaml');
    await writeFile(file, `${HEADER}metadata: {name: one}\nspec: {platform: {kind: local, command: x, cwd: app}}\n`);
    const [loaded] = await loadSpecFile(file);
    expect(loaded?.file).toBe(file);
    expect(localPlatform(loaded?.spec).cwd).toBe(join(dir, 'app'));
  });

  it('names a missing file', async () => {
    const file = join(dir, 'nope.yaml');
    await expect(loadSpecFile(file)).rejects.toThrow(`spec file ${file} not found`);
    await expect(loadSpecFile(file)).rejects.toBeInstanceOf(ConfigError);
  });

  it('refuses a folder and a file over the limit without reading it', async () => {
    await expect(loadSpecFile(dir)).rejects.toThrow('is not a regular file');
    const big = join(dir, 'big.yaml');
    await writeFile(big, Buffer.alloc(MAX_SPEC_BYTES + 10, 0x23));
    await expect(loadSpecFile(big)).rejects.toThrow('the limit is');
  });

  it('loads every example spec that should be valid', async () => {
    const examples = join(import.meta.dirname, '../../examples/specs');
    for (const name of ['full', 'minimal', 'multi']) {
      const specs = await loadSpecFile(join(examples, `${name}.yaml`));
      expect(specs.length).toBeGreaterThan(0);
    }
    for (const name of ['broken-schema', 'broken-duplicate']) {
      await expect(loadSpecFile(join(examples, `${name}.yaml`))).rejects.toBeInstanceOf(ConfigError);
    }
  });
});

import { ConfigError, NotFoundError } from '../errors.js';
import type { Store } from '../ports/store.js';
import { parseSpec, type LoadedSpec } from '../spec/load.js';

const INDEX_KEY = 'server:services';

export interface RegisteredSpec {
  service: string;
  /** The YAML text as uploaded (it may hold several services' documents). */
  yaml: string;
  updatedAt: number;
  by: string;
}

/**
 * The canary specs the server knows, by service, kept in the store's key/value area so they survive restarts.
 * Relative paths in a spec resolve against `baseDir` (the server's working directory).
 */
export class SpecRegistry {
  constructor(
    private readonly store: Store,
    private readonly baseDir = process.cwd(),
  ) {}

  /** Validates without saving. Throws ConfigError with line:column issues. */
  validate(yaml: string): LoadedSpec[] {
    const specs = parseSpec(yaml, 'spec.yaml', this.baseDir);
    if (specs.length === 0) throw new ConfigError('the text holds no kind: Canary document');
    return specs;
  }

  /** Validates and registers every service the text describes. Returns their names. */
  async save(yaml: string, by: string): Promise<string[]> {
    const specs = this.validate(yaml);
    const names = specs.map((s) => s.spec.metadata.name);
    for (const service of names) {
      const rec: RegisteredSpec = { service, yaml, updatedAt: Date.now(), by };
      await this.store.setValue(`server:spec:${service}`, JSON.stringify(rec));
    }
    const index = new Set([...(await this.names()), ...names]);
    await this.store.setValue(INDEX_KEY, JSON.stringify([...index].sort()));
    return names;
  }

  async names(): Promise<string[]> {
    const raw = await this.store.getValue(INDEX_KEY);
    return raw ? (JSON.parse(raw) as string[]) : [];
  }

  async get(service: string): Promise<RegisteredSpec | undefined> {
    const raw = await this.store.getValue(`server:spec:${service}`);
    return raw ? (JSON.parse(raw) as RegisteredSpec) : undefined;
  }

  /** The validated spec of one service, ready for `controller.start`. */
  async load(service: string): Promise<LoadedSpec> {
    const rec = await this.get(service);
    if (!rec) throw new NotFoundError(`no spec registered for service '${service}' (upload one first)`);
    const found = this.validate(rec.yaml).find((s) => s.spec.metadata.name === service);
    if (!found) throw new NotFoundError(`the registered spec no longer describes service '${service}'`);
    return found;
  }
}

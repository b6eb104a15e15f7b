import { createHash } from 'node:crypto';
import type { TriggerConfig } from './config.js';
import { header, type Headers } from './verify.js';

/** What a delivery asks for: roll `version` of `service` out, or nothing (with why). */
export type Request =
  | { kind: 'start'; service: string; version: string; deliveryId: string; source: string }
  | { kind: 'ignore'; why: string }
  | { kind: 'invalid'; why: string };

const VERSION = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Turns a verified delivery into a request. Registry events that are not a successful push of a tag (deletes,
 * failed scans, untagged pushes, other repositories) are ignored, not errors: registries send many kinds.
 * `deliveryId` is the sender's delivery id when it has one, else a digest of the body, so a redelivery of the
 * same event is recognised either way.
 */
export function interpret(t: TriggerConfig, body: unknown, headers: Headers, raw: Buffer, now: number): Request {
  const digest = createHash('sha256').update(raw).digest('hex').slice(0, 32);
  if (typeof body !== 'object' || body === null) return { kind: 'invalid', why: 'the body is not a JSON object' };
  const b = body;
  let service = t.service;
  let version: unknown;
  let id = digest;
  let source: string = t.format;
  switch (t.format) {
    case 'chimera': {
      const named = at(b, 'service');
      if (typeof named === 'string') {
        if (t.service && named !== t.service)
          return { kind: 'invalid', why: `this trigger only starts '${t.service}'` };
        service = named;
      }
      version = at(b, 'version');
      id = header(headers, 'x-chimera-delivery') ?? digest;
      break;
    }
    case 'github': {
      const event = header(headers, 'x-github-event');
      if (event !== 'package' && event !== 'registry_package')
        return { kind: 'ignore', why: `event ${event ?? 'none'}` };
      if (at(b, 'action') !== 'published') return { kind: 'ignore', why: `action ${str(at(b, 'action'))}` };
      const pkg = at(b, 'package') ?? at(b, 'registry_package');
      const name = str(at(pkg, 'name'));
      if (t.image && name !== t.image) return { kind: 'ignore', why: `package ${name}` };
      const pv = at(pkg, 'package_version');
      version = at(pv, 'container_metadata', 'tag', 'name') || at(pv, 'version');
      id = header(headers, 'x-github-delivery') ?? digest;
      source = `github package ${name}`;
      break;
    }
    case 'dockerhub': {
      const repo = str(at(b, 'repository', 'repo_name'));
      if (t.image && repo !== t.image) return { kind: 'ignore', why: `repository ${repo}` };
      const pushed = Number(at(b, 'push_data', 'pushed_at')) * 1000;
      if (Number.isFinite(pushed) && pushed > 0 && Math.abs(now - pushed) > t.replayWindow) {
        return { kind: 'invalid', why: 'push is older than the replay window' };
      }
      version = at(b, 'push_data', 'tag');
      source = `docker hub ${repo}`;
      break;
    }
    case 'ecr': {
      const type = str(at(b, 'detail-type'));
      const action = str(at(b, 'detail', 'action-type'));
      if (type !== 'ECR Image Action' || action !== 'PUSH' || at(b, 'detail', 'result') !== 'SUCCESS') {
        return { kind: 'ignore', why: `${type} ${action}` };
      }
      const repo = str(at(b, 'detail', 'repository-name'));
      if (t.image && repo !== t.image) return { kind: 'ignore', why: `repository ${repo}` };
      const time = Date.parse(str(at(b, 'time')));
      if (!Number.isFinite(time) || Math.abs(now - time) > t.replayWindow) {
        return { kind: 'invalid', why: 'event time missing or outside the replay window' };
      }
      version = at(b, 'detail', 'image-tag');
      const eventId = at(b, 'id');
      if (typeof eventId === 'string') id = eventId;
      source = `ecr ${repo}`;
      break;
    }
  }
  if (!service) return { kind: 'invalid', why: "no 'service' given" };
  if (typeof version !== 'string' || version === '') {
    return t.format === 'chimera' ? { kind: 'invalid', why: "no 'version' given" } : { kind: 'ignore', why: 'no tag' };
  }
  if (!VERSION.test(version)) return { kind: 'invalid', why: 'the version is not a valid version name' };
  return { kind: 'start', service, version, deliveryId: `${t.name}:${String(id).slice(0, 128)}`, source };
}

/** A nested field of untrusted JSON, or undefined. */
function at(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const k of path) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** A short printable form of an untrusted value for a reason. */
function str(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v).slice(0, 100) : 'none';
}

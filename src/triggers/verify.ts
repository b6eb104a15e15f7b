import { createHmac } from 'node:crypto';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, sameSignature, signBody } from '../notify/http.js';
import type { TriggerConfig } from './config.js';

export type Headers = Record<string, string | string[] | undefined>;

export interface VerifyInput {
  trigger: TriggerConfig;
  secret: string;
  headers: Headers;
  query: Record<string, unknown>;
  raw: Buffer;
  now: number;
}

/** Why a delivery is refused (401), or undefined when it is authentic. Checked on the raw bytes, before parsing. */
export function verifyDelivery(v: VerifyInput): string | undefined {
  switch (v.trigger.format) {
    case 'chimera': {
      const ts = header(v.headers, TIMESTAMP_HEADER);
      const sig = header(v.headers, SIGNATURE_HEADER);
      if (!ts || !sig) return `missing ${TIMESTAMP_HEADER} or ${SIGNATURE_HEADER}`;
      if (!/^\d{1,12}$/.test(ts)) return 'bad timestamp';
      if (!sameSignature(sig, signBody(v.secret, ts, v.raw))) return 'bad signature';
      // Checked after the signature, so a forged timestamp never says anything about the window.
      if (Math.abs(v.now - Number(ts) * 1000) > v.trigger.replayWindow) return 'timestamp outside the replay window';
      return undefined;
    }
    case 'github': {
      const sig = header(v.headers, 'x-hub-signature-256');
      if (!sig) return 'missing x-hub-signature-256';
      const want = `sha256=${createHmac('sha256', v.secret).update(v.raw).digest('hex')}`;
      return sameSignature(sig, want) ? undefined : 'bad signature';
    }
    case 'dockerhub':
    case 'ecr': {
      const given =
        header(v.headers, 'x-chimera-token') ?? (typeof v.query.token === 'string' ? v.query.token : undefined);
      if (!given) return 'missing token';
      return sameSignature(given, v.secret) ? undefined : 'bad token';
    }
  }
}

export function header(h: Headers, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

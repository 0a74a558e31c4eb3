// `helm history` without helm: Helm 3 stores each revision of a release in a Secret (type helm.sh/release.v1,
// labels owner=helm, name=<release>, version=<revision>, status=<status>, modifiedAt=<unix seconds>) whose data key
// "release" is base64 (Kubernetes' own encoding of Secret data) of base64 of gzip of the release JSON. Decoded
// here defensively: bounded output, plain (not gzipped) JSON accepted, one bad Secret becomes an entry with `error`
// and its label values instead of failing the whole history.
import zlib from 'node:zlib';
import type { HelmRevision } from './actionTypes';

/** Upper bound of one decompressed release (Helm's own Secrets are limited to 1 MiB compressed). */
const MAX_RELEASE_BYTES = 32 * 1024 * 1024;

export interface SecretLike {
  metadata?: { name?: string; labels?: Record<string, string>; creationTimestamp?: string };
  type?: string;
  data?: Record<string, string>;
}

interface ReleaseJson {
  version?: unknown;
  info?: { status?: unknown; last_deployed?: unknown; description?: unknown };
  chart?: { metadata?: { name?: unknown; version?: unknown; appVersion?: unknown } };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : String(v));

/** The release JSON from a Secret's data.release value (base64 of base64 of gzip, or of plain JSON). */
export function decodeReleasePayload(dataRelease: string): unknown {
  const layer1 = Buffer.from(dataRelease.trim(), 'base64');
  let bytes = layer1;
  // Helm base64-encodes the gzip; Kubernetes base64-encodes that again. Accept a payload with only one layer too.
  if (!(bytes[0] === 0x1f && bytes[1] === 0x8b) && bytes[0] !== 0x7b) {
    const text = layer1.toString('latin1').trim();
    if (!/^[A-Za-z0-9+/=\r\n]+$/.test(text)) throw new Error('release payload is not base64');
    bytes = Buffer.from(text, 'base64');
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    bytes = zlib.gunzipSync(bytes, { maxOutputLength: MAX_RELEASE_BYTES });
  }
  const json = bytes.toString('utf8');
  if (!json.trimStart().startsWith('{')) throw new Error('release payload is not JSON');
  return JSON.parse(json) as unknown;
}

function modifiedAt(labels: Record<string, string>): string {
  const s = Number(labels.modifiedAt);
  return Number.isFinite(s) && s > 0 ? new Date(s * 1000).toISOString() : '';
}

/** One history entry per Secret; never throws. */
export function revisionFromSecret(secret: SecretLike): HelmRevision {
  const labels = secret.metadata?.labels ?? {};
  const fromLabels: HelmRevision = {
    revision: Number(labels.version) || 0,
    status: labels.status ?? '',
    chart: '',
    chartVersion: '',
    appVersion: '',
    updated: modifiedAt(labels) || (secret.metadata?.creationTimestamp ?? ''),
    description: '',
    secret: secret.metadata?.name ?? '',
  };
  const payload = secret.data?.release;
  if (!payload) return { ...fromLabels, error: 'the Secret has no data.release' };
  let rel: ReleaseJson;
  try {
    const parsed = decodeReleasePayload(payload);
    if (!parsed || typeof parsed !== 'object') throw new Error('release payload is not an object');
    rel = parsed as ReleaseJson;
  } catch (e) {
    return { ...fromLabels, error: `cannot decode the release: ${e instanceof Error ? e.message : String(e)}` };
  }
  const md = rel.chart?.metadata ?? {};
  const revision = typeof rel.version === 'number' ? rel.version : fromLabels.revision;
  return {
    revision,
    status: str(rel.info?.status) || fromLabels.status,
    chart: str(md.name),
    chartVersion: str(md.version),
    appVersion: str(md.appVersion),
    updated: str(rel.info?.last_deployed) || fromLabels.updated,
    description: str(rel.info?.description),
    secret: fromLabels.secret,
  };
}

/** Newest revision first (helm history prints oldest first; the UI wants the current one on top). */
export function helmHistoryFromSecrets(secrets: SecretLike[]): HelmRevision[] {
  return secrets
    .filter((s) => !s.type || s.type === 'helm.sh/release.v1')
    .map(revisionFromSecret)
    .sort((a, b) => b.revision - a.revision);
}

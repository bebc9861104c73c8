// Who may talk to the inspector: a request must name this server in its Host header (a page
// on another site that re-points its DNS name at 127.0.0.1 sends its own name: DNS
// rebinding) and carry the random token printed with the URL, in the query (?token=) or in
// the cookie the first page load sets (so the page's scripts, images and event streams need
// not repeat it). The cookie is SameSite=Strict: another site's form or script cannot use it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** A fresh random token (32 url-safe characters). */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Whether a host name or address is this machine's loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/** The Host header values a server bound to `host`:`port` answers: itself, and its loopback names. */
export function allowedHosts(host: string, port: number): string[] | null {
  // Bound to every interface: any name may reach it; the token is the only guard (the CLI warns).
  if (host === '0.0.0.0' || host === '::') return null;
  const name = isIP(host) === 6 ? `[${host}]` : host;
  const hosts = new Set([`${name}:${port}`]);
  if (isLoopback(host)) for (const n of ['127.0.0.1', 'localhost', '[::1]']) hosts.add(`${n}:${port}`);
  return [...hosts];
}

export type AccessVerdict = { ok: true; viaQuery: boolean } | { ok: false; status: 401 | 403 | 421; reason: string };

/** The cookie that carries the token; named by port, as browsers share cookies across ports of a host. */
export function cookieName(port: number): string {
  return `pixelwise-${port}`;
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

/** Checks the Host header, then the token (query first, then cookie). */
export function checkAccess(req: IncomingMessage, o: { token: string; port: number; hosts: string[] | null }): AccessVerdict {
  const host = req.headers.host ?? '';
  if (o.hosts && !o.hosts.includes(host.toLowerCase())) {
    return { ok: false, status: 403, reason: `host ${JSON.stringify(host)} is not this server (expected ${o.hosts.join(' or ')})` };
  }
  const url = new URL(req.url ?? '/', 'http://x');
  const query = url.searchParams.get('token');
  const fromCookie = cookie(req, cookieName(o.port));
  const given = query ?? fromCookie;
  if (given === null || given === '') return { ok: false, status: 401, reason: 'no token: open the URL pixelwise serve printed (it ends in ?token=...)' };
  if (!sameToken(given, o.token)) return { ok: false, status: 403, reason: 'wrong token: open the URL pixelwise serve printed' };
  return { ok: true, viaQuery: query !== null };
}

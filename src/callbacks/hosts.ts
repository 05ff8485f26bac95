/**
 * Status callbacks go only to hosts and ports the deployment allow-listed (DSR_CALLBACK_ALLOWED_HOSTS):
 * otherwise anyone who may submit a request could make this service POST to any address, inside the
 * network included, and a listed host's other ports (`hooks.example.com:6379`, a Redis or an admin
 * console beside the receiver) are such addresses too.
 *
 * Entries: `hooks.example.com` (port 443), `hooks.example.com:8443` (that port only), `*.example.com`
 * and `*.example.com:8443` (any subdomain, not the domain itself), IPv4 and `[IPv6]` literals alike.
 * `:*` (any port) is allowed only for loopback hosts, whose receivers (tests, a local tunnel) listen
 * on ports chosen at run time. Plain http is accepted only to loopback hosts.
 */

export interface AllowedHost {
  /** Lower-case, as the URL parser writes it (IPv6 in brackets); for a wildcard, the part after `*.`. */
  host: string;
  wildcard: boolean;
  /** `*` only for loopback hosts. */
  port: number | '*';
}

const HTTPS_PORT = 443;
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const ENTRY = new RegExp(`^(\\*\\.)?(${LABEL}(?:\\.${LABEL})*|\\[[0-9a-f:.]+\\])(?::(\\d{1,5}|\\*))?$`);

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** One entry of DSR_CALLBACK_ALLOWED_HOSTS, or why it is not one (config errors quote it: hosts are not secret). */
export function parseAllowedHost(entry: string): AllowedHost | { problem: string } {
  const match = ENTRY.exec(entry.trim().toLowerCase());
  if (!match) {
    return {
      problem: 'must be a host name or IP address with an optional :port (hooks.example.com, *.example.com:8443)',
    };
  }
  const [, star, rawHost, rawPort] = match;
  const wildcard = star !== undefined;
  let host: string;
  try {
    // The URL parser's spelling, so `127.1` or `[0:0::1]` compare equal to what a callback URL parses to.
    host = new URL(`https://${rawHost}/`).hostname;
  } catch {
    return { problem: 'is not a valid host name or IP address' };
  }
  if (wildcard && (host.startsWith('[') || /^[\d.]+$/.test(host)))
    return { problem: 'a wildcard needs a domain name after `*.`, not an IP address' };
  // `*.com` would allow every host under a top-level domain.
  if (wildcard && !host.includes('.')) return { problem: 'a wildcard needs at least two labels after `*.`' };
  if (rawPort === '*') {
    if (wildcard || !isLoopbackHost(host))
      return { problem: 'any port (`:*`) is allowed only for loopback hosts (localhost, 127.0.0.1, [::1])' };
    return { host, wildcard, port: '*' };
  }
  const port = rawPort === undefined ? HTTPS_PORT : Number(rawPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { problem: 'the port must be 1 to 65535' };
  return { host, wildcard, port };
}

/** Problems with DSR_CALLBACK_ALLOWED_HOSTS' entries, for the config check at start-up. */
export function allowedHostsProblems(entries: readonly string[]): string[] {
  return entries.flatMap((entry, i) => {
    const parsed = parseAllowedHost(entry);
    return 'problem' in parsed ? [`entry ${i + 1} (${entry}): ${parsed.problem}`] : [];
  });
}

export function isAllowedCallbackUrl(url: string, allowedHosts: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const host = parsed.hostname;
  // Credentials travel in callback headers: https, except to a loopback receiver (tests, a local tunnel).
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopbackHost(host))) return false;
  if (parsed.username || parsed.password) return false;
  // The URL parser leaves the port empty when it is the scheme's default.
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? HTTPS_PORT : 80;
  return allowedHosts.some((entry) => {
    const allowed = parseAllowedHost(entry);
    // An entry that does not parse allows nothing (config rejects it at start-up; callers may pass lists directly).
    if ('problem' in allowed) return false;
    if (allowed.port !== '*' && allowed.port !== port) return false;
    return allowed.wildcard ? host.endsWith(`.${allowed.host}`) : host === allowed.host;
  });
}

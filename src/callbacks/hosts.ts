/**
 * Status callbacks go only to hosts the deployment allow-listed (DSR_CALLBACK_ALLOWED_HOSTS):
 * otherwise anyone who may submit a request could make this service POST to any address, inside
 * the network included. Entries are exact host names or `*.example.com` (any subdomain).
 */
export function isAllowedCallbackUrl(url: string, allowedHosts: string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const host = parsed.hostname.toLowerCase();
  const loopback = host === 'localhost' || host === '[::1]' || /^127\./.test(host);
  // Credentials travel in callback headers: https, except to a loopback receiver (tests, a local tunnel).
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) return false;
  if (parsed.username || parsed.password) return false;
  return allowedHosts.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.startsWith('*.') ? host.endsWith(p.slice(1)) && host.length > p.length - 1 : host === p;
  });
}

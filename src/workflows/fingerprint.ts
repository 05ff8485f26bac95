/**
 * A 64-bit fingerprint of a record id (two 32-bit FNV-1a lanes), for the sweep's "already
 * recorded" set: a few bytes per id however long the vendor's ids are (Graph's run to 150
 * characters), so the set travels through continue-as-new. Not a security hash; a collision
 * (about 1 in 10^10 at 50,000 ids) would only leave one record for the re-check to find.
 * Deterministic and dependency-free, as workflow code must be.
 */
export function fingerprint(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** Prints a new random key, base64: for DSR_PAYLOAD_KEYS (as id:key) or DSR_SUBJECT_HASH_KEY. */
import { generateKey } from '../src/security/keys';

console.log(generateKey());

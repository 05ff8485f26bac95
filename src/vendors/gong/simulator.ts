/**
 * A Gong data-privacy API on loopback, playing the contract GongClient is written against:
 *  - auth: Basic (access key + secret) or Bearer (token); anything else is 401
 *  - every error body is `{requestId, errors: [string]}`; request ids are 19 lowercase alphanumerics
 *  - the four /v2/data-privacy endpoints with the value in the query string; bad/missing value -> 400
 *  - erase answers 200 at once and deletes only after `deletionDelayMs` (Gong: "may take several
 *    hours"), or never when deletion is stuck (Gong's integrity guard tripping silently)
 *  - 3 requests per second by default (Gong's documented per-company default), then 429 + Retry-After
 *
 * Query strings are decoded by fastify's parser (fast-querystring), which turns a raw `+` into a
 * space, as servlet containers do. So a client that forgets to encode `+` as %2B sends " 1425..."
 * and gets the 400 a real Gong would give, instead of silently working against the simulator.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Identifier, IdentifierKind } from '../../subject/identifiers';
import { SimServer, type SimOptions, type SimRoute, type SimVendorContract } from '../sim/server';

export const GONG_SIM_CREDENTIALS = {
  accessKey: 'sim-gong-access-key',
  accessKeySecret: 'sim-gong-access-key-secret',
  token: 'sim-gong-token',
};

export interface GongSimOptions extends SimOptions {
  accessKey?: string;
  accessKeySecret?: string;
  token?: string;
  /** How long after an accepted erase its data disappears. Default 0 (at the next request). */
  deletionDelayMs?: number;
  /** Accept erases but never carry them out. */
  stuckDeletion?: boolean;
}

export interface SeedPerson {
  emails?: string[];
  phones?: string[];
  /** Messages to or from the person, spread round-robin over their addresses. */
  emailMessages?: number;
  /** Calls the person's lead/contact and all their addresses appear in. */
  calls?: number;
  /** Meetings all their addresses attend (only an email erase removes them, per Gong's docs). */
  meetings?: number;
  /** Engagement events (e.g. viewing a shared call) by their first address. */
  engagements?: number;
}

export interface SimErasure {
  requestId: string;
  identifier: Identifier;
  acceptedAt: number;
  dueAt: number;
  state: 'pending' | 'completed' | 'stuck';
}

interface Contact {
  id: string;
  objectType: 'Lead' | 'Contact';
  externalId: string;
  emails: string[];
  phones: string[];
}
interface Message {
  id: string;
  address: string;
  from: string;
  sentTime: string;
  mailbox: string;
  messageHash: string;
}
interface Call {
  id: string;
  contactId: string;
  participants: string[];
}
interface Meeting {
  id: string;
  attendees: string[];
}
interface Engagement {
  address: string;
  timestamp: number;
  contentId: string;
}

const REP = 'rep@seller.example';
const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';
export function gongRequestId(): string {
  let id = '';
  for (let i = 0; i < 19; i++) id += ALPHANUMERIC.charAt(randomInt(ALPHANUMERIC.length));
  return id;
}
const numericId = () => String(randomInt(1, 9)) + Array.from({ length: 18 }, () => randomInt(10)).join('');
const hexId = () => randomBytes(16).toString('hex');
const digits = (phone: string) => phone.replace(/\D/g, '');
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export class GongSimulator implements SimVendorContract {
  readonly name = 'Gong';
  /** Raw query strings as they arrived (before decoding), for asserting the client's encoding. */
  readonly receivedQueries: { operation: string; rawQuery: string }[] = [];
  private contacts: Contact[] = [];
  private messages: Message[] = [];
  private calls: Call[] = [];
  private meetings: Meeting[] = [];
  private engagements: Engagement[] = [];
  private erasures: SimErasure[] = [];
  private deletionDelayMs: number;
  private stuck: boolean;

  constructor(private readonly options: GongSimOptions = {}) {
    this.deletionDelayMs = options.deletionDelayMs ?? 0;
    this.stuck = options.stuckDeletion ?? false;
  }

  authorise(req: FastifyRequest): [number, unknown] | undefined {
    const header = req.headers.authorization ?? '';
    const [scheme = '', credentials = ''] = header.split(/\s+/, 2);
    const accessKey = this.options.accessKey ?? GONG_SIM_CREDENTIALS.accessKey;
    const accessKeySecret = this.options.accessKeySecret ?? GONG_SIM_CREDENTIALS.accessKeySecret;
    const token = this.options.token ?? GONG_SIM_CREDENTIALS.token;
    if (scheme.toLowerCase() === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0 && decoded.slice(0, colon) === accessKey && decoded.slice(colon + 1) === accessKeySecret)
        return undefined;
    } else if (scheme.toLowerCase() === 'bearer' && credentials === token) return undefined;
    return [401, this.errorBody(401, 'Access denied')];
  }

  errorBody(_status: number, message: string): { requestId: string; errors: string[] } {
    return { requestId: gongRequestId(), errors: [message] };
  }

  /** Adds one lead/contact and what references it; returns the lead/contact's Gong id. */
  seedPerson(person: SeedPerson): string {
    const emails = (person.emails ?? []).map((e) => e.trim().toLowerCase());
    const id = numericId();
    this.contacts.push({
      id,
      objectType: this.contacts.length % 2 ? 'Lead' : 'Contact',
      externalId: `003${hexId().slice(0, 15)}`,
      emails,
      phones: person.phones ?? [],
    });
    const sentTime = (i: number) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString();
    for (let i = 0; i < (person.emailMessages ?? 0) && emails.length; i++) {
      const address = emails[i % emails.length]!;
      this.messages.push({
        id: hexId(),
        address,
        from: i % 2 ? REP : address,
        sentTime: sentTime(i),
        mailbox: REP,
        messageHash: hexId(),
      });
    }
    for (let i = 0; i < (person.calls ?? 0); i++)
      this.calls.push({ id: numericId(), contactId: id, participants: emails });
    for (let i = 0; i < (person.meetings ?? 0) && emails.length; i++) {
      this.meetings.push({ id: `${numericId()}.${hexId().slice(0, 12)}@google.com_${sentTime(i)}`, attendees: emails });
    }
    for (let i = 0; i < (person.engagements ?? 0) && emails.length; i++) {
      this.engagements.push({ address: emails[0]!, timestamp: Date.UTC(2024, 1, 1 + i), contentId: numericId() });
    }
    return id;
  }

  setDeletionDelay(ms: number): void {
    this.deletionDelayMs = ms; // applies to erases accepted from now on
  }

  /** While on, accepted erases are marked stuck and never complete, even after it is turned off. */
  setStuckDeletion(stuck: boolean): void {
    this.stuck = stuck;
  }

  /** Carries out every pending (not stuck) erase now, whatever its delay. */
  completePendingDeletions(): void {
    this.applyDue(Number.POSITIVE_INFINITY);
  }

  erasureRequests(): SimErasure[] {
    this.applyDue();
    return this.erasures.map((e) => ({ ...e, identifier: { ...e.identifier } }));
  }

  /** Identifiers whose erase has completed, normalised (emails lower-case, phones `+digits`), once each. */
  erasedIdentifiers(): Identifier[] {
    const done = this.erasureRequests().filter((e) => e.state === 'completed');
    const keys = [...new Set(done.map((e) => `${e.identifier.kind}:${e.identifier.value}`))];
    return keys.map((k) => ({
      kind: k.slice(0, k.indexOf(':')) as IdentifierKind,
      value: k.slice(k.indexOf(':') + 1),
    }));
  }

  // --- route handlers: set the status with reply.code() and return the body ---

  dataForEmailAddress(req: FastifyRequest, reply: FastifyReply): unknown {
    const email = this.param(req, reply, 'data-for-email-address', 'emailAddress');
    if (email === undefined) return this.errorBody(400, 'emailAddress is missing or not an email address');
    this.applyDue();
    const contacts = this.contacts.filter((c) => c.emails.includes(email));
    return {
      requestId: gongRequestId(),
      emails: this.messages.filter((m) => m.address === email).map(publicMessage),
      calls: this.calls.filter((c) => c.participants.includes(email)).map(publicCall),
      meetings: this.meetings.filter((m) => m.attendees.includes(email)).map((m) => ({ id: m.id })),
      customerData: customerData(contacts),
      customerEngagement: this.engagements
        .filter((e) => e.address === email)
        .map((e) => ({
          eventType: 'contentViewed',
          timestamp: e.timestamp,
          contentId: e.contentId,
          reportingSystem: 'Gong',
        })),
    };
  }

  dataForPhoneNumber(req: FastifyRequest, reply: FastifyReply): unknown {
    const phone = this.param(req, reply, 'data-for-phone-number', 'phoneNumber');
    if (phone === undefined) return this.errorBody(400, 'phoneNumber is missing or does not start with +');
    this.applyDue();
    const contacts = this.contactsWithPhone(phone);
    const ids = new Set(contacts.map((c) => c.id));
    const addresses = new Set(contacts.flatMap((c) => c.emails));
    return {
      requestId: gongRequestId(),
      emails: this.messages.filter((m) => addresses.has(m.address)).map(publicMessage),
      calls: this.calls.filter((c) => ids.has(c.contactId)).map(publicCall),
      meetings: [],
      customerData: customerData(contacts),
      suppliedPhoneNumber: phone,
      matchingPhoneNumbers: [...new Set(contacts.flatMap((c) => c.phones.filter((p) => digits(p) === digits(phone))))],
      emailAddresses: [...addresses],
    };
  }

  erase(req: FastifyRequest, reply: FastifyReply, kind: IdentifierKind): unknown {
    const operation = kind === 'email' ? 'erase-data-for-email-address' : 'erase-data-for-phone-number';
    const value = this.param(req, reply, operation, kind === 'email' ? 'emailAddress' : 'phoneNumber');
    if (value === undefined) return this.errorBody(400, 'the identifier is missing or malformed');
    const requestId = gongRequestId();
    const now = Date.now();
    const identifier = { kind, value: kind === 'phone' ? `+${digits(value)}` : value };
    this.erasures.push({
      requestId,
      identifier,
      acceptedAt: now,
      dueAt: now + this.deletionDelayMs,
      state: this.stuck ? 'stuck' : 'pending',
    });
    return { requestId };
  }

  /** The validated, decoded query value, or undefined after setting 400 on the reply. */
  private param(
    req: FastifyRequest,
    reply: FastifyReply,
    operation: string,
    name: 'emailAddress' | 'phoneNumber',
  ): string | undefined {
    this.receivedQueries.push({
      operation,
      rawQuery: req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '',
    });
    const raw = (req.query as Record<string, unknown>)[name];
    // A repeated parameter arrives as an array: as malformed as a missing one.
    const value = typeof raw === 'string' ? raw : undefined;
    const ok =
      name === 'emailAddress'
        ? value !== undefined && EMAIL.test(value.trim())
        : value?.startsWith('+') && /\d/.test(value);
    if (!ok || value === undefined) {
      reply.code(400);
      return undefined;
    }
    return name === 'emailAddress' ? value.trim().toLowerCase() : value;
  }

  private contactsWithPhone(phone: string): Contact[] {
    return this.contacts.filter((c) => c.phones.some((p) => digits(p) === digits(phone)));
  }

  /** Deletion is evaluated lazily (no timers to clean up): due erases run before any read. */
  private applyDue(now = Date.now()): void {
    const due = this.erasures.filter((e) => e.state === 'pending' && e.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
    for (const erasure of due) {
      if (erasure.identifier.kind === 'email') this.deleteEmail(erasure.identifier.value);
      else this.deletePhone(erasure.identifier.value);
      erasure.state = 'completed';
    }
  }

  /** Gong: messages to/from the address, calls it appears in, leads/contacts holding it. */
  private deleteEmail(email: string): void {
    this.messages = this.messages.filter((m) => m.address !== email);
    this.calls = this.calls.filter((c) => !c.participants.includes(email));
    this.meetings = this.meetings.filter((m) => !m.attendees.includes(email));
    this.engagements = this.engagements.filter((e) => e.address !== email);
    this.contacts = this.contacts.filter((c) => !c.emails.includes(email));
  }

  /** Gong: leads/contacts with the number, messages to/from them, calls they appear in. */
  private deletePhone(phone: string): void {
    const matched = this.contactsWithPhone(phone);
    const ids = new Set(matched.map((c) => c.id));
    const addresses = new Set(matched.flatMap((c) => c.emails));
    this.messages = this.messages.filter((m) => !addresses.has(m.address));
    this.calls = this.calls.filter((c) => !ids.has(c.contactId));
    this.contacts = this.contacts.filter((c) => !ids.has(c.id));
  }
}

const publicMessage = ({ id, from, sentTime, mailbox, messageHash }: Message) => ({
  id,
  from,
  sentTime,
  mailbox,
  messageHash,
});
const publicCall = (c: Call) => ({
  id: c.id,
  status: 'COMPLETED',
  externalSystems: [{ system: 'Salesforce', objects: [{ objectType: 'Task', externalId: `00T${c.id.slice(0, 15)}` }] }],
});
function customerData(contacts: Contact[]): unknown[] {
  if (!contacts.length) return [];
  const objects = contacts.map((c) => ({
    id: c.id,
    objectType: c.objectType,
    externalId: c.externalId,
    fields: [
      ...c.emails.map((value) => ({ name: 'Email', value })),
      ...c.phones.map((value) => ({ name: 'Phone', value })),
    ],
  }));
  return [{ system: 'Salesforce', objects }];
}

export function gongSimRoutes(): SimRoute<GongSimulator>[] {
  const base = '/v2/data-privacy';
  return [
    {
      operation: 'data-for-email-address',
      method: 'GET',
      url: `${base}/data-for-email-address`,
      handler: (req, reply, g) => g.dataForEmailAddress(req, reply),
    },
    {
      operation: 'data-for-phone-number',
      method: 'GET',
      url: `${base}/data-for-phone-number`,
      handler: (req, reply, g) => g.dataForPhoneNumber(req, reply),
    },
    {
      operation: 'erase-data-for-email-address',
      method: 'POST',
      url: `${base}/erase-data-for-email-address`,
      handler: (req, reply, g) => g.erase(req, reply, 'email'),
    },
    {
      operation: 'erase-data-for-phone-number',
      method: 'POST',
      url: `${base}/erase-data-for-phone-number`,
      handler: (req, reply, g) => g.erase(req, reply, 'phone'),
    },
  ];
}

/** `ratePerSecond` defaults to 3 (Gong's default quota); pass 0 for unlimited. Call `start()` on the result. */
export function createGongSimulator(options: GongSimOptions = {}): SimServer<GongSimulator> {
  return new SimServer(new GongSimulator(options), gongSimRoutes(), {
    ...options,
    ratePerSecond: options.ratePerSecond ?? 3,
  });
}

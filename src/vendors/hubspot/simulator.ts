/**
 * A HubSpot stand-in playing the contract the client relies on: Bearer auth, contact search with
 * filterGroups and `after` paging, GDPR delete by id or email (with the blocklist), HubSpot's error
 * envelope and its ten-secondly 429 body. Stateful, so "search, delete, search again" behaves.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { SimServer, type SimOptions, type SimRoute, type SimVendorContract } from '../sim/server';
import { gdprDeleteRequestSchema, searchRequestSchema } from './schemas';

export interface HubSpotSimOptions extends SimOptions {
  /** Bearer token the simulator accepts; `sim-hubspot-token` when absent. */
  accessToken?: string;
  /** Caps the page size below the requested `limit`, so tests can page through few contacts. */
  maxPageSize?: number;
}

export interface SimContactInput {
  email?: string;
  phone?: string;
  mobilephone?: string;
  additionalEmails?: string[];
}

export interface SimContact extends SimContactInput {
  id: string;
}

// HubSpot's documented search limits.
const MAX_FILTER_GROUPS = 5;
const MAX_FILTERS = 25;
const MAX_LIMIT = 200;
const MAX_RESULTS = 10_000;
const DEFAULT_LIMIT = 10;
const ALWAYS_RETURNED = ['hs_object_id', 'createdate', 'lastmodifieddate'];

const CATEGORIES: Record<number, string> = {
  400: 'VALIDATION_ERROR',
  401: 'INVALID_AUTHENTICATION',
  403: 'MISSING_SCOPES',
  404: 'OBJECT_NOT_FOUND',
  409: 'CONFLICT',
};

const digits = (v: string | undefined): string | undefined => (v ? v.replace(/\D/g, '') || undefined : undefined);

/** The searchable properties of a contact, including HubSpot's computed digits-only phone copies. */
function propertiesOf(c: SimContact): Record<string, string | undefined> {
  return {
    hs_object_id: c.id,
    email: c.email,
    phone: c.phone,
    mobilephone: c.mobilephone,
    hs_additional_emails: c.additionalEmails?.length ? c.additionalEmails.join(';') : undefined,
    hs_searchable_calculated_phone_number: digits(c.phone),
    hs_searchable_calculated_mobile_number: digits(c.mobilephone),
    createdate: '2024-01-01T00:00:00.000Z',
    lastmodifieddate: '2024-01-01T00:00:00.000Z',
  };
}
const KNOWN_PROPERTIES = new Set(Object.keys(propertiesOf({ id: '0' })).concat(['firstname', 'lastname']));

function matches(stored: string | undefined, operator: string, value: string | undefined): boolean {
  if (operator === 'HAS_PROPERTY') return stored !== undefined;
  if (stored === undefined || value === undefined) return false;
  // String EQ is case-insensitive in HubSpot (emails are stored lower-cased anyway).
  if (operator === 'EQ') return stored.toLowerCase() === value.toLowerCase();
  return stored
    .toLowerCase()
    .split(/[\s;,]+/)
    .includes(value.toLowerCase()); // CONTAINS_TOKEN
}
const OPERATORS = new Set(['EQ', 'CONTAINS_TOKEN', 'HAS_PROPERTY']);

export class HubSpotSimVendor implements SimVendorContract {
  readonly name = 'HubSpot';
  readonly contacts = new Map<string, SimContact>();
  readonly blocklist = new Set<string>();
  /** Ids removed in answer to a request (the simulator's controls.deletions); `purge` by a test is not one. */
  deletions: string[] = [];
  private nextId = 1001;

  constructor(
    readonly accessToken: string,
    readonly maxPageSize = MAX_LIMIT,
  ) {}

  authorise(req: FastifyRequest): [number, unknown] | undefined {
    if (req.headers.authorization === `Bearer ${this.accessToken}`) return undefined;
    return [401, this.errorBody(401, 'Authentication credentials not found.')];
  }

  errorBody(status: number, message: string): unknown {
    const correlationId = randomUUID();
    if (status === 429) {
      return {
        status: 'error',
        message: 'You have reached your secondly limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
        correlationId,
      };
    }
    return { status: 'error', message, correlationId, category: CATEGORIES[status] ?? 'INTERNAL_ERROR' };
  }

  seed(input: SimContactInput): string {
    const email = input.email?.toLowerCase();
    // HubSpot keeps primary emails unique (create answers 409); a test seeding two is a test bug.
    if (email && [...this.contacts.values()].some((c) => c.email === email))
      throw new Error('simulator: duplicate contact email');
    const id = String(this.nextId++);
    this.contacts.set(id, { ...input, email, id });
    return id;
  }

  /** A GDPR delete also blocklists the contact's email, as in HubSpot. */
  purge(id: string): void {
    const email = this.contacts.get(id)?.email;
    if (email) this.blocklist.add(email);
    this.contacts.delete(id);
  }
}

type Route = SimRoute<HubSpotSimVendor>;

const search: Route = {
  operation: 'search-contacts',
  method: 'POST',
  url: '/crm/v3/objects/contacts/search',
  handler: (req, reply, vendor) => {
    const invalid = (message: string) => (reply.code(400), vendor.errorBody(400, message));
    const parsed = searchRequestSchema.safeParse(req.body);
    if (!parsed.success) return invalid('Invalid input JSON');
    const { filterGroups, properties, limit = DEFAULT_LIMIT, after } = parsed.data;
    const filters = filterGroups.flatMap((g) => g.filters);
    if (filterGroups.length > MAX_FILTER_GROUPS || filters.length > MAX_FILTERS || limit > MAX_LIMIT)
      return invalid('Search limits exceeded');
    if (filters.some((f) => !KNOWN_PROPERTIES.has(f.propertyName) || !OPERATORS.has(f.operator)))
      return invalid('Unknown property or operator');
    const offset = after === undefined ? 0 : Number(after);
    if (!Number.isInteger(offset) || offset < 0 || offset >= MAX_RESULTS) return invalid('Invalid paging cursor');

    const all = [...vendor.contacts.values()]
      .filter((c) => {
        const props = propertiesOf(c);
        const match = (g: (typeof filterGroups)[number]) =>
          g.filters.every((f) => matches(props[f.propertyName], f.operator, f.value));
        return filterGroups.length === 0 || filterGroups.some(match);
      })
      .sort((a, b) => Number(a.id) - Number(b.id));
    const size = Math.min(limit, vendor.maxPageSize);
    const page = all.slice(offset, offset + size);
    const wanted = [...ALWAYS_RETURNED, ...(properties ?? ['firstname', 'lastname', 'email'])];
    const results = page.map((c) => {
      const props = propertiesOf(c);
      return { id: c.id, properties: Object.fromEntries(wanted.map((p) => [p, props[p] ?? null])), archived: false };
    });
    const more = offset + size < all.length;
    return {
      total: all.length,
      results,
      ...(more ? { paging: { next: { after: String(offset + size), link: '' } } } : {}),
    };
  },
};

const gdprDelete: Route = {
  operation: 'gdpr-delete',
  method: 'POST',
  url: '/crm/v3/objects/contacts/gdpr-delete',
  handler: (req, reply, vendor) => {
    const parsed = gdprDeleteRequestSchema.safeParse(req.body);
    if (!parsed.success || (parsed.data.idProperty !== undefined && parsed.data.idProperty !== 'email')) {
      reply.code(400);
      return vendor.errorBody(400, 'Invalid input JSON');
    }
    const { objectId, idProperty } = parsed.data;
    if (idProperty === 'email') {
      // Deletes the contact if there is one, and blocklists the address either way; always 204.
      const email = objectId.toLowerCase();
      for (const c of [...vendor.contacts.values()]) {
        if (c.email !== email) continue;
        vendor.purge(c.id);
        vendor.deletions.push(c.id);
      }
      vendor.blocklist.add(email);
    } else {
      if (!vendor.contacts.has(objectId)) {
        reply.code(404);
        return vendor.errorBody(404, 'Object not found.');
      }
      vendor.purge(objectId);
      vendor.deletions.push(objectId);
    }
    reply.code(204);
    return undefined;
  },
};

export class HubSpotSimulator extends SimServer<HubSpotSimVendor> {
  constructor(vendor: HubSpotSimVendor, options: SimOptions) {
    super(vendor, [search, gdprDelete], options);
    vendor.deletions = this.controls.deletions;
  }

  seedContact(input: SimContactInput): string {
    return this.vendor.seed(input);
  }

  contacts(): SimContact[] {
    return [...this.vendor.contacts.values()];
  }

  blocklist(): string[] {
    return [...this.vendor.blocklist];
  }
}

/** `ratePerSecond` defaults to 10 (HubSpot's search allows ~5/s); 0 turns the limiter off. */
export function createHubSpotSimulator(options: HubSpotSimOptions = {}): HubSpotSimulator {
  const vendor = new HubSpotSimVendor(options.accessToken ?? 'sim-hubspot-token', options.maxPageSize);
  return new HubSpotSimulator(vendor, { ...options, ratePerSecond: options.ratePerSecond ?? 10 });
}

// The recorder's pure parts: no Directus, no database, no clock of their own (tested by test/lib.test.js).
//
// What a row may hold is decided here, and only here: names of methods, tools, actions and collections, an HTTP
// status, an error code, a row count, an IP and a time. Never a token, a URL's query, a request or response body,
// or any item content.

export const VERSION = '1.0.0';
/** The tag every user the stacks manage carries (components/model/marker.py: TAG). */
export const MARKER = 'managed-by:directus-mcp-access';
/** The tag naming the managing stack (components/model/marker.py: stack_tag). */
export const STACK_PREFIX = 'mcp-stack:';
/** A log collection's note carries this line, written by `mcp-access up`: `mcp-access-recorder: {"stack": ...}`. */
export const NOTE_PREFIX = 'mcp-access-recorder:';

const NAME_LIMIT = 64;

/** A short name, or null: never more than 64 characters of whatever a client sent. */
export function shortName(value) {
	return typeof value === 'string' && value !== '' ? value.slice(0, NAME_LIMIT) : null;
}

/** A user's `tags` as Directus stores them (a JSON array, a JSON text, or comma-separated text) as an array. */
export function parseTags(raw) {
	if (Array.isArray(raw)) return raw.filter((t) => typeof t === 'string');
	if (typeof raw !== 'string' || raw === '') return [];
	try {
		const parsed = JSON.parse(raw);
		if (Array.isArray(parsed)) return parsed.filter((t) => typeof t === 'string');
	} catch {
		// not JSON: comma-separated
	}
	return raw.split(',').map((t) => t.trim());
}

/** The stack managing a user with these tags, or null when the user is not managed (no marker). */
export function managedStack(tags) {
	const list = parseTags(tags);
	if (!list.includes(MARKER)) return null;
	const tag = list.find((t) => t.startsWith(STACK_PREFIX));
	return tag ? tag.slice(STACK_PREFIX.length) : null;
}

/** A log collection's settings from its note (`{stack, retentionDays}`), or null when the note has no such line. */
export function parseLogNote(note) {
	if (typeof note !== 'string') return null;
	const line = note.split('\n').find((l) => l.startsWith(NOTE_PREFIX));
	if (!line) return null;
	try {
		const settings = JSON.parse(line.slice(NOTE_PREFIX.length));
		if (typeof settings?.stack !== 'string') return null;
		const days = Number(settings.retentionDays);
		return { stack: settings.stack, retentionDays: Number.isFinite(days) && days > 0 ? days : 90 };
	} catch {
		return null;
	}
}

/** The JSON-RPC calls of a `POST /mcp` body (one object or a batch): method, tool, action and collection. */
export function mcpCalls(body) {
	const messages = Array.isArray(body) ? body : [body];
	return messages
		.filter((m) => m && typeof m === 'object' && typeof m.method === 'string')
		.map((m) => {
			const args = m.params?.arguments ?? {};
			return {
				id: m.id ?? null,
				method: shortName(m.method),
				tool: m.method === 'tools/call' ? shortName(m.params?.name) : null,
				action: shortName(args.action),
				collection: shortName(args.collection),
			};
		});
}

function responseMessages(text) {
	if (typeof text !== 'string' || text === '') return [];
	const trimmed = text.trim();
	const chunks = trimmed.startsWith('{') || trimmed.startsWith('[')
		? [trimmed]
		: trimmed.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim());
	const messages = [];
	for (const chunk of chunks) {
		try {
			const parsed = JSON.parse(chunk);
			messages.push(...(Array.isArray(parsed) ? parsed : [parsed]));
		} catch {
			// truncated or not JSON: no outcome known
		}
	}
	return messages.filter((m) => m && typeof m === 'object');
}

const CODE_RE = /"code"\s*:\s*"([A-Z][A-Z0-9_]{1,63})"/;
const REFUSALS = new Set(['FORBIDDEN', 'INVALID_CREDENTIALS', 'TOKEN_EXPIRED']);

/**
 * The outcome of each call of an MCP response (JSON or server-sent events), by JSON-RPC id:
 * `{refused, errorCode}`. A tool error comes back as HTTP 200 with `isError: true`; its error code is read from
 * the tool's text, and only the code is kept. A JSON-RPC error keeps its numeric code.
 */
export function mcpOutcomes(text) {
	const outcomes = new Map();
	for (const message of responseMessages(text)) {
		let errorCode = null;
		if (message.error) {
			errorCode = String(message.error.code ?? 'ERROR').slice(0, NAME_LIMIT);
		} else if (message.result?.isError) {
			const texts = (message.result.content ?? []).map((c) => (typeof c?.text === 'string' ? c.text : '')).join('\n');
			errorCode = CODE_RE.exec(texts)?.[1] ?? 'TOOL_ERROR';
		}
		outcomes.set(message.id ?? null, { refused: errorCode !== null && REFUSALS.has(errorCode), errorCode });
	}
	return outcomes;
}

/** The error code of a REST error envelope (`{"errors":[{"extensions":{"code":...}}]}`), or null. */
export function envelopeCode(text) {
	if (typeof text !== 'string' || !text.includes('"errors"')) return null;
	return CODE_RE.exec(text)?.[1] ?? null;
}

/** Whether a request presented a token (a bearer header or an `access_token` query parameter). */
export function presentsToken(headers, query) {
	const auth = headers?.authorization;
	if (typeof auth === 'string' && /^bearer\s+\S/i.test(auth)) return true;
	return typeof query?.access_token === 'string' && query.access_token !== '';
}

/** `/mcp` or the first segment of a REST path (`/items`), never the rest of the URL and never its query. */
export function pathKind(originalUrl) {
	const path = String(originalUrl ?? '').split('?')[0];
	const first = path.split('/').filter(Boolean)[0] ?? '';
	return first === '' ? '/' : `/${first.slice(0, 32)}`;
}

/** The number of rows a read returned (`items.read` action's payload: a list, one item or nothing). */
export function rowCount(payload) {
	if (Array.isArray(payload)) return payload.length;
	return payload ? 1 : 0;
}

/**
 * A log row with every column set (missing ones null): `timestamp` as ISO-8601 UTC text for people, `at_ms` as
 * milliseconds since the epoch for filters and pruning (Directus filters numbers by range, not text).
 */
export function logRow(fields, now) {
	return {
		timestamp: now.toISOString(),
		at_ms: now.getTime(),
		kind: fields.kind,
		user: fields.user ?? null,
		method: fields.method ?? null,
		tool: fields.tool ?? null,
		action: fields.action ?? null,
		collection: fields.collection ?? null,
		status: fields.status ?? null,
		refused: Boolean(fields.refused),
		error_code: fields.errorCode ?? null,
		rows: fields.rows ?? null,
		ip: shortName(fields.ip),
		path: fields.path ?? null,
	};
}

/** The cut-off for pruning (`at_ms`): rows older than `retentionDays` before `now`. */
export function retentionCutoff(now, retentionDays) {
	return now.getTime() - retentionDays * 86_400_000;
}

/**
 * Rows buffered per collection and written in batches: when a collection holds `maxRows` rows, or on `flush()`
 * (which the hook calls every few seconds). A write that fails drops its batch (logged by the caller): the
 * recorder never blocks or fails a request. `maxBuffered` caps memory if the database is down.
 */
export class Batcher {
	constructor({ write, maxRows = 100, maxBuffered = 10_000, onError = () => {} }) {
		this.write = write;
		this.maxRows = maxRows;
		this.maxBuffered = maxBuffered;
		this.onError = onError;
		this.buffers = new Map();
		this.dropped = 0;
	}

	get size() {
		let total = 0;
		for (const rows of this.buffers.values()) total += rows.length;
		return total;
	}

	add(collection, row) {
		if (this.size >= this.maxBuffered) {
			this.dropped += 1;
			return undefined;
		}
		const rows = this.buffers.get(collection) ?? [];
		rows.push(row);
		this.buffers.set(collection, rows);
		return rows.length >= this.maxRows ? this.flushOne(collection) : undefined;
	}

	async flushOne(collection) {
		const rows = this.buffers.get(collection);
		if (!rows || rows.length === 0) return;
		this.buffers.delete(collection);
		try {
			await this.write(collection, rows);
		} catch (error) {
			this.onError(error, collection, rows.length);
		}
	}

	async flush() {
		await Promise.all([...this.buffers.keys()].map((c) => this.flushOne(c)));
	}
}

/** A value cache with a time to live, keyed by string; `load` runs once per key per period. */
export class TtlCache {
	constructor(ttlMs, clock = () => Date.now()) {
		this.ttlMs = ttlMs;
		this.clock = clock;
		this.entries = new Map();
	}

	get(key, load) {
		const now = this.clock();
		const entry = this.entries.get(key);
		if (entry && entry.until > now) return entry.value;
		const value = Promise.resolve().then(load);
		this.entries.set(key, { value, until: now + this.ttlMs });
		value.catch(() => this.entries.delete(key));
		return value;
	}
}

// mcp-access-recorder: a Directus hook that records what Directus does not, for the MCP users that
// directus-mcp-access manages (users tagged `managed-by:directus-mcp-access`):
//
// - each `POST /mcp` call: JSON-RPC method, tool, action, collection, HTTP status, refused or not, error code,
//   and the rows the call read (kind `mcp`);
// - each read outside /mcp (REST, GraphQL): collection and row count (kind `read`);
// - each REST request of such a user that permissions refuse (kind `refused`);
// - each request with a token that Directus rejects (401), by anyone: IP, time, `/mcp` or the REST path's first
//   segment (kind `failed-login`). Never the token, not even a part of it.
//
// Rows go, in batches, into the log collection that `mcp-access up` created for the user's stack (its note holds
// `mcp-access-recorder: {"stack": ..., "retentionDays": ...}`); rows older than the retention are pruned hourly.
// Nothing is recorded while no stack declares a log collection. Item content is never read or written.
// Environment (optional): MCP_ACCESS_RECORDER_FLUSH_MS (2000), MCP_ACCESS_RECORDER_BATCH (100),
// MCP_ACCESS_RECORDER_REFRESH_MS (30000: how often the log collections' notes are read again).

import { AsyncLocalStorage } from 'node:async_hooks';
import {
	Batcher,
	TtlCache,
	envelopeCode,
	logRow,
	managedStack,
	mcpCalls,
	mcpOutcomes,
	parseLogNote,
	pathKind,
	presentsToken,
	retentionCutoff,
	rowCount,
} from './lib.js';

const RESPONSE_LIMIT = 64 * 1024; // bytes of an /mcp response kept to read its outcome (errors are short)
const PRUNE_EVERY_MS = 60 * 60 * 1000;

export default ({ init, action }, { database, logger, env }) => {
	const flushMs = Number(env.MCP_ACCESS_RECORDER_FLUSH_MS ?? 2000);
	const requests = new AsyncLocalStorage();
	const users = new TtlCache(60_000);
	const logs = new TtlCache(Number(env.MCP_ACCESS_RECORDER_REFRESH_MS ?? 30_000));
	const lastPrune = new Map();

	const batcher = new Batcher({
		maxRows: Number(env.MCP_ACCESS_RECORDER_BATCH ?? 100),
		write: (collection, rows) => database.batchInsert(collection, rows, 50),
		onError: (error, collection, count) =>
			logger.warn(`mcp-access-recorder: ${count} rows not written to ${collection}: ${error.message}`),
	});

	/** stack -> {collection, retentionDays}: the log collections `mcp-access up` declared. */
	const logCollections = () =>
		logs.get('all', async () => {
			const rows = await database('directus_collections').select('collection', 'note').where('note', 'like', '%mcp-access-recorder:%');
			const byStack = new Map();
			for (const row of rows) {
				const settings = parseLogNote(row.note);
				if (settings) byStack.set(settings.stack, { collection: row.collection, retentionDays: settings.retentionDays });
			}
			return byStack;
		});

	const stackOf = (user) =>
		user ? users.get(user, async () => managedStack((await database('directus_users').select('tags').where('id', user).first())?.tags)) : null;

	async function record(fields, user) {
		try {
			const collections = await logCollections();
			const targets = user === undefined
				? [...collections.values()]
				: [collections.get(await stackOf(user))].filter(Boolean);
			const now = new Date();
			for (const target of targets) {
				batcher.add(target.collection, logRow({ ...fields, user }, now));
				prune(target, now);
			}
		} catch (error) {
			logger.warn(`mcp-access-recorder: not recorded: ${error.message}`);
		}
	}

	function prune(target, now) {
		if (now.getTime() - (lastPrune.get(target.collection) ?? 0) < PRUNE_EVERY_MS) return;
		lastPrune.set(target.collection, now.getTime());
		database(target.collection)
			.where('at_ms', '<', retentionCutoff(now, target.retentionDays))
			.delete()
			.catch((error) => logger.warn(`mcp-access-recorder: prune of ${target.collection} failed: ${error.message}`));
	}

	const timer = setInterval(() => batcher.flush(), flushMs);
	timer.unref();
	process.once('beforeExit', () => batcher.flush());

	init('middlewares.before', ({ app }) => {
		app.use((req, res, next) => {
			const isMcp = req.method === 'POST' && pathKind(req.originalUrl) === '/mcp';
			const context = { isMcp, rows: 0, chunks: [], bytes: 0 };
			if (isMcp) keepResponse(res, context);
			res.on('finish', () => finished(req, res, context));
			requests.run(context, next);
		});
	});

	function keepResponse(res, context) {
		for (const name of ['write', 'end']) {
			const original = res[name].bind(res);
			res[name] = (chunk, ...rest) => {
				if (chunk && typeof chunk !== 'function' && context.bytes < RESPONSE_LIMIT) {
					const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
					context.chunks.push(buffer);
					context.bytes += buffer.length;
				}
				return original(chunk, ...rest);
			};
		}
	}

	function finished(req, res, context) {
		const user = req.accountability?.user ?? null;
		const status = res.statusCode;
		if (status === 401 && !user && presentsToken(req.headers, req.query)) {
			record({ kind: 'failed-login', status, ip: req.ip, path: pathKind(req.originalUrl) }, undefined);
			return;
		}
		if (!user) return;
		if (context.isMcp) {
			const text = context.bytes < RESPONSE_LIMIT ? Buffer.concat(context.chunks).toString('utf8') : '';
			const outcomes = status < 300 ? mcpOutcomes(text) : new Map();
			const httpCode = status >= 400 ? envelopeCode(text) ?? String(status) : null;
			for (const call of mcpCalls(req.body)) {
				const outcome = outcomes.get(call.id) ?? { refused: status === 403, errorCode: httpCode };
				record(
					{ kind: 'mcp', ...call, status, refused: outcome.refused, errorCode: outcome.errorCode, rows: context.rows || null, ip: req.ip, path: '/mcp' },
					user,
				);
			}
			return;
		}
		if (status === 403) {
			record({ kind: 'refused', method: req.method, status, refused: true, errorCode: 'FORBIDDEN', ip: req.ip, path: pathKind(req.originalUrl) }, user);
		}
	}

	action('items.read', (meta, context) => {
		const user = context?.accountability?.user;
		if (!user) return;
		const request = requests.getStore();
		const rows = rowCount(meta.payload);
		if (request?.isMcp) {
			request.rows += rows; // counted on the call's own row
			return;
		}
		record({ kind: 'read', action: 'read', collection: meta.collection, rows, ip: context.accountability.ip }, user);
	});
};

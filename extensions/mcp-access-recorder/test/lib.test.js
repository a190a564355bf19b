// The recorder's pure parts, under Node's built-in test runner: `node --test test/lib.test.js` (run by tests/unit from pytest).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
	Batcher,
	TtlCache,
	VERSION,
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
} from '../lib.js';

test('the version in lib.js is the package version (drift compares it)', () => {
	const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url)));
	assert.equal(VERSION, pkg.version);
	assert.equal(pkg['directus:extension'].type, 'hook');
});

test('only users with the marker are managed; their stack comes from the stack tag', () => {
	assert.equal(managedStack('["managed-by:directus-mcp-access","mcp-stack:production"]'), 'production');
	assert.equal(managedStack(['managed-by:directus-mcp-access', 'mcp-stack:local']), 'local');
	assert.equal(managedStack('managed-by:directus-mcp-access,mcp-stack:staging'), 'staging');
	assert.equal(managedStack(['mcp-stack:local']), null, 'a stack tag without the marker is not ours');
	assert.equal(managedStack(null), null);
	assert.equal(managedStack('not json ['), null);
});

test('a log collection is known by its note line', () => {
	assert.deepEqual(parseLogNote('MCP access log\nmcp-access-recorder: {"stack":"local","retentionDays":7}'), {
		stack: 'local',
		retentionDays: 7,
	});
	assert.equal(parseLogNote('articles of the blog'), null);
	assert.equal(parseLogNote('mcp-access-recorder: {broken'), null);
	assert.equal(parseLogNote(null), null);
	assert.equal(parseLogNote('mcp-access-recorder: {"stack":"x","retentionDays":"abc"}').retentionDays, 90);
});

test('an MCP call is described by names only, never by its other arguments', () => {
	const body = {
		jsonrpc: '2.0',
		id: 7,
		method: 'tools/call',
		params: { name: 'items', arguments: { action: 'create', collection: 'articles', data: { title: 'SECRET-CONTENT' } } },
	};
	const [call] = mcpCalls(body);
	assert.deepEqual(call, { id: 7, method: 'tools/call', tool: 'items', action: 'create', collection: 'articles' });
	assert.ok(!JSON.stringify(call).includes('SECRET-CONTENT'));
	assert.equal(mcpCalls([body, { jsonrpc: '2.0', method: 'notifications/initialized' }]).length, 2);
	assert.deepEqual(mcpCalls('garbage'), []);
	assert.equal(mcpCalls({ id: 1, method: 'tools/call', params: { name: 'x'.repeat(500) } })[0].tool.length, 64);
});

test('a refused tool call is read from the tool result (HTTP 200, isError) and keeps only the code', () => {
	const refused = JSON.stringify({
		jsonrpc: '2.0',
		id: 3,
		result: {
			isError: true,
			content: [{ type: 'text', text: '[{"error":"You don\'t have permission to access this.","code":"FORBIDDEN"}]' }],
		},
	});
	assert.deepEqual(mcpOutcomes(refused).get(3), { refused: true, errorCode: 'FORBIDDEN' });
	const sse = `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: 4, result: { content: [] } })}\n\n`;
	assert.deepEqual(mcpOutcomes(sse).get(4), { refused: false, errorCode: null });
	const rpcError = JSON.stringify({ jsonrpc: '2.0', id: 5, error: { code: -32602, message: 'bad' } });
	assert.deepEqual(mcpOutcomes(rpcError).get(5), { refused: false, errorCode: '-32602' });
	const other = JSON.stringify({ jsonrpc: '2.0', id: 6, result: { isError: true, content: [{ type: 'text', text: 'oops' }] } });
	assert.deepEqual(mcpOutcomes(other).get(6), { refused: false, errorCode: 'TOOL_ERROR' });
	assert.equal(mcpOutcomes('{"truncated').size, 0);
});

test('REST error envelopes give their code', () => {
	assert.equal(envelopeCode('{"errors":[{"message":"x","extensions":{"code":"INVALID_CREDENTIALS"}}]}'), 'INVALID_CREDENTIALS');
	assert.equal(envelopeCode('{"data":{"code":"ABC"}}'), null);
});

test('a token is noticed in the header or the query, and the path keeps its first segment only', () => {
	assert.ok(presentsToken({ authorization: 'Bearer abc' }, {}));
	assert.ok(presentsToken({}, { access_token: 'abc' }));
	assert.ok(!presentsToken({ authorization: 'Basic abc' }, {}));
	assert.ok(!presentsToken({}, {}));
	assert.equal(pathKind('/mcp?access_token=SECRETTOKEN'), '/mcp');
	assert.equal(pathKind('/items/articles/1?access_token=SECRETTOKEN'), '/items');
	assert.equal(pathKind(''), '/');
});

test('rows hold names and counts only, in ISO time', () => {
	const row = logRow({ kind: 'read', collection: 'articles', rows: rowCount([{}, {}]), ip: '127.0.0.1' }, new Date(0));
	assert.equal(row.timestamp, '1970-01-01T00:00:00.000Z');
	assert.equal(row.rows, 2);
	assert.equal(row.refused, false);
	assert.deepEqual(Object.keys(row).sort(), [
		'action', 'at_ms', 'collection', 'error_code', 'ip', 'kind', 'method', 'path', 'refused', 'rows', 'status', 'timestamp', 'tool',
		'user',
	]);
	assert.equal(rowCount({ id: 1 }), 1);
	assert.equal(rowCount(null), 0);
	assert.equal(row.at_ms, 0);
	assert.equal(retentionCutoff(new Date('2026-01-10T00:00:00Z'), 2), Date.parse('2026-01-08T00:00:00Z'));
});

test('the batcher writes when a batch is full or on flush, one write per batch', async () => {
	const writes = [];
	const batcher = new Batcher({ maxRows: 3, write: async (c, rows) => writes.push([c, rows.length]) });
	batcher.add('log', 1);
	batcher.add('log', 2);
	assert.equal(writes.length, 0);
	await batcher.add('log', 3);
	assert.deepEqual(writes, [['log', 3]]);
	batcher.add('log', 4);
	batcher.add('other', 5);
	await batcher.flush();
	assert.deepEqual(writes.slice(1).sort(), [['log', 1], ['other', 1]]);
	assert.equal(batcher.size, 0);
});

test('a failing write is reported and dropped; a full buffer drops new rows instead of growing', async () => {
	const errors = [];
	const batcher = new Batcher({
		maxRows: 100,
		maxBuffered: 2,
		write: async () => {
			throw new Error('db down');
		},
		onError: (e, c, n) => errors.push([e.message, c, n]),
	});
	batcher.add('log', 1);
	batcher.add('log', 2);
	batcher.add('log', 3);
	assert.equal(batcher.dropped, 1);
	await batcher.flush();
	assert.deepEqual(errors, [['db down', 'log', 2]]);
});

test('the cache loads once per period and again after it', async () => {
	let now = 0;
	let loads = 0;
	const cache = new TtlCache(1000, () => now);
	const load = async () => ++loads;
	assert.equal(await cache.get('u', load), 1);
	assert.equal(await cache.get('u', load), 1);
	now = 1001;
	assert.equal(await cache.get('u', load), 2);
});

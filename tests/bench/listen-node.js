// tests/bench/listen-node.js URL COUNT: the comparison client of DESIGN.md's
// listen target. A plain Node `ws` client (Debian's node-ws) that parses
// each frame as JSON and prints it as one line, as a script would; exits 0
// after COUNT frames. Benchmark only: nothing else in chatctl uses Node.
'use strict';
const WebSocket = require('ws');

const url = process.argv[2];
const count = Number(process.argv[3]);
let n = 0;

const ws = new WebSocket(url);
ws.on('message', (data, isBinary) => {
	if (isBinary)
		return;
	const text = data.toString();
	const frame = JSON.parse(text);
	if (frame.type === 'ping' || frame.type === 'system')
		return;
	process.stdout.write(text + '\n');
	if (++n >= count) {
		ws.close(1000);
		process.exit(0);
	}
});
ws.on('error', (e) => {
	console.error('listen-node: ' + e.message);
	process.exit(4);
});
ws.on('close', () => process.exit(n >= count ? 0 : 1));
